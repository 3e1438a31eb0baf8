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
 * frame), the ring ports from the HVM params, and the clock.
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
	/* PVH/HVM: RDX (the start_info frame for PV) is 0. */
	rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	if (rc == 0)
		new_domain();
	xen_time_resume(rc != 0);
	if (rc < 0)
		pr_warn("xen: SHUTDOWN_suspend failed: %s\n", errno_name((int)rc));
	return rc < 0 ? (int)rc : rc != 0;
}

int xen_suspend(void)
{
	if (xen.mode == XEN_PV)
		return -ENOSYS; /* the P2M lists the saver reads: not yet */
	return suspend_hooks_run(enter);
}
