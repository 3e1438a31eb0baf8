/*
 * Suspending the domain for `xl save`, `xl save -c` and `xl migrate`
 * (docs/xen.md, "Save, restore and migrate"): the drivers' suspend hooks
 * run (include/ballast/init.h), then SCHEDOP_shutdown(SHUTDOWN_suspend).
 * The toolstack saves the domain while it is shut down; the hypercall
 * returns 1 when the suspend was cancelled (a checkpoint, a failed save:
 * the same domain goes on) and 0 in a new domain (restore, migration).
 *
 * In a new domain, before any driver runs again, the pieces every driver
 * needs come back here: shared_info (HVM/PVH place it again at its old
 * frame; PV maps the one start_info names), the ring ports (HVM params,
 * start_info), the clock, and for PV the P2M lists (pv.c).
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/printk.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>

static void new_domain(void)
{
	int err = xen_hvm_remap_shared_info();

	/* Without shared_info there are no events, no clock: nothing works. */
	if (err)
		panic("xen: resumed, but shared_info cannot be mapped: %s",
		      errno_name(err));
	xen.vcpu = &xen.shared->vcpu_info[0];
	xen_hvm_read_ports();
}

static int enter(void)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_suspend };
	long rc;

	xen_time_suspend();
	console_flush();
	if (xen.mode == XEN_PV) {
		/* The third argument names start_info's frame. */
		xen_pv_pre_suspend();
		rc = _xen_hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &s,
				xen_pv_start_info_mfn(), 0, 0);
		xen_pv_post_suspend(rc != 0);
	} else {
		/* PVH/HVM: RDX is 0. */
		rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
		if (rc == 0)
			new_domain();
	}
	xen_time_resume(rc != 0);
	if (rc < 0)
		pr_warn("xen: SHUTDOWN_suspend failed: %s\n", errno_name((int)rc));
	return rc < 0 ? (int)rc : rc != 0;
}

int xen_suspend(void)
{
	return suspend_hooks_run(enter);
}
