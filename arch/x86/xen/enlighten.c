/*
 * Xen detection and the pieces every Xen boot mode shares: the hypercall
 * page (HVM/PVH), shared_info, the version string and the platform hooks
 * (SCHEDOP_shutdown, blocking idle).
 */
#include <ballast/cmdline.h>
#include <ballast/console.h>
#include <ballast/init.h>
#include <ballast/errno.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/traps.h>

struct xen_guest xen = { .domid = -1 };

/* HVM/PVH: a page of the image that Xen's shared_info replaces (see below). */
static u8 shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);

u32 xen_cpuid_base(void)
{
	u32 a, b, c, d;

	/* Viridian moves Xen's leaves up by 0x100; scan the usual range. */
	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		cpuid(base, 0, &a, &b, &c, &d);
		if (b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX &&
		    d == XEN_CPUID_SIGNATURE_EDX && a - base >= 2)
			return base;
	}
	return 0;
}

int xen_hvm_init_hypercall_page(void)
{
	u32 pages, msr, c, d;

	cpuid(xen.cpuid_base + 2, 0, &pages, &msr, &c, &d);
	if (pages == 0)
		return -ENODEV;
	/* Xen writes the stubs into the guest-physical page we name. */
	wrmsr(msr, PHYS(hypercall_page));
	return hypercall_page[0] == (char)0xcc ? -EIO : 0;
}

int xen_hvm_get_param(u32 index, u64 *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

	if (rc < 0)
		return (int)rc;
	*value = p.value;
	return 0;
}

/*
 * HVM/PVH: shared_info is not in guest memory until we place it. Any guest
 * frame will do; the one backing shared_info_page is given up to it (Xen
 * frees the RAM page that was there). After a restore or migration the
 * frame is a hole (the save skips Xen's pages): placed again at the same
 * frame, the new domain's shared_info is where the code expects it.
 */
int xen_hvm_remap_shared_info(void)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = PFN_DOWN(PHYS(shared_info_page)),
	};
	long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

	if (rc < 0)
		return (int)rc;
	xen.shared = (struct shared_info *)shared_info_page;
	return 0;
}

static void xen_read_version(void)
{
	long v = HYPERVISOR_xen_version(XENVER_version, NULL);

	xen.version = (u32)v;
	ksnprintf(platform.hypervisor, sizeof(platform.hypervisor),
		  "Xen %u.%u", (unsigned)(v >> 16), (unsigned)(v & 0xffff));
}

/* ---- event mask and blocking ---------------------------------------- */

void xen_irq_disable(void)
{
	if (xen.mode == XEN_PV) {
		xen.vcpu->evtchn_upcall_mask = 1;
		__asm__ volatile("" ::: "memory");
	} else {
		cli();
	}
}

void xen_irq_enable(void)
{
	if (xen.mode != XEN_PV) {
		sti();
		return;
	}
	__asm__ volatile("" ::: "memory");
	xen.vcpu->evtchn_upcall_mask = 0;
	__asm__ volatile("mfence" ::: "memory");
	/* Something arrived while masked: any hypercall delivers it now. */
	if (xen.vcpu->evtchn_upcall_pending)
		HYPERVISOR_xen_version(0, NULL);
}

/*
 * Block until an event is pending, with events enabled only while blocked
 * (the rest of ballast runs with them off, as it runs with IF=0 bare).
 *
 * PV: SCHEDOP_block unmasks events and checks for pending ones atomically;
 * the upcall runs on the way back, then events are masked again.
 * HVM/PVH: SCHEDOP_block would not see an event that arrived while IF=0
 * (Xen only counts deliverable interrupts), so use sti;hlt: the sti shadow
 * keeps the upcall for after hlt, and Xen turns that hlt into SCHEDOP_block
 * with interrupts enabled. Either way the vcpu uses no CPU while idle.
 */
void xen_wait_event(void)
{
	if (xen.mode == XEN_PV) {
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		xen_irq_disable();
		return;
	}
	xen_sti_hlt();
}

/*
 * sti; hlt; cli with the hlt at a known address, for xen_idle_fixup.
 */
__asm__(".pushsection .text\n"
	".globl xen_sti_hlt\n"
	"xen_sti_hlt:\n\tsti\n"
	".globl xen_idle_hlt_insn\n"
	"xen_idle_hlt_insn:\n\thlt\n"
	"\tcli\n\tret\n"
	".popsection\n");

/*
 * The upcall taken AT the idle's hlt, not after it: the sti shadow was
 * lost. QEMU 7.2's SVM emulation (the nested rig: Xen on QEMU TCG) does
 * not load the shadow (VMCB int_state) at VMRUN, so an exit between our
 * sti and hlt (an interrupt for Xen) lets the pending upcall in before
 * the hlt; the handler would return to the hlt, which blocks with the
 * event already taken: the lost wakeup of issue 23 (docs/incidents.md).
 * Stepping over the hlt (one byte) makes it as if the upcall came right
 * after it, as on hardware. `xen_idle=plain` leaves the hlt there, to
 * reproduce it (`wakestress`); either way it is counted (`xen`).
 */
u64 xen_idle_hlt_upcalls;
bool xen_idle_fix = true;

void xen_idle_fixup(struct regs *r)
{
	if (r->rip != (u64)xen_idle_hlt_insn)
		return;
	xen_idle_hlt_upcalls++;
	if (xen_idle_fix)
		r->rip++;
}

static int xen_idle_param(void)
{
	if (cmdline_switch(boot_cmdline, "xen_idle", "fixup", "plain", &xen_idle_fix) < 0)
		pr_warn("xen_idle=: want plain or fixup, ignored\n");
	if (!xen_idle_fix)
		pr_info("xen_idle=plain: an upcall taken at the idle hlt returns to it\n");
	return 0;
}
INIT_HOOK(xen_idle, xen_idle_param, INIT_LEVEL_CONSOLE + 1);

/* ---- platform hooks --------------------------------------------------- */

void xen_shutdown(unsigned reason)
{
	struct sched_shutdown s = { .reason = reason };

	console_flush();
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

static void xen_poweroff(void)
{
	xen_shutdown(SHUTDOWN_poweroff);
}

static void xen_reboot(void)
{
	xen_shutdown(SHUTDOWN_reboot);
}

/* After a crash report: let the toolstack apply on_crash. */
static void xen_halt(void)
{
	xen_shutdown(SHUTDOWN_crash);
}

static void xen_set_platform(void)
{
	static const char *const names[] = { "bare", "hvm", "pvh", "pv" };

	platform.boot_mode = names[xen.mode];
	platform.legacy_io = xen.mode == XEN_HVM;
	platform.poweroff = xen_poweroff;
	platform.reboot = xen_reboot;
	platform.idle = xen_wait_event;
	platform.halt = xen_halt;
	platform.clock_ns = xen_clock_ns;
	if (xen.mode != XEN_PV)
		platform.adjust_memory_map = xen_pod_clip_memory_map;
	/* Until VIRQ_TIMER is bound (drivers/xen/events.c), no timer. */
	platform.set_timer = NULL;
}

/*
 * With xen.mode, the hypercall page and (for PV) xen.shared set: map
 * shared_info, name the hypervisor and take over the platform hooks. The
 * Xen drivers (events, console, xenstore) come up as init hooks.
 */
void xen_common_init(void)
{
	if (!xen.shared) {
		int err = xen_hvm_remap_shared_info();

		if (err)
			panic("xen: cannot map shared_info: %s", errno_name(err));
	}
	xen.vcpu = &xen.shared->vcpu_info[0];
	xen_read_version();
	xen_set_platform();
}
