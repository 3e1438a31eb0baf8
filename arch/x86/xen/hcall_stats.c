/*
 * The hypercall counters the _xen_hcall wrapper (asm/xen/hypercall.h)
 * fills, and the names the `xen` command and the balloon print them by.
 */
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>

struct xen_hcall_stat xen_hcall_stats[XEN_HCALL_NR];

const char *xen_hcall_name(unsigned nr)
{
	static const char *const names[XEN_HCALL_NR] = {
		[__HYPERVISOR_set_trap_table] = "set_trap_table",
		[__HYPERVISOR_mmu_update] = "mmu_update",
		[__HYPERVISOR_update_va_mapping] = "update_va_mapping",
		[__HYPERVISOR_memory_op] = "memory_op",
		[__HYPERVISOR_multicall] = "multicall",
		[__HYPERVISOR_xen_version] = "xen_version",
		[__HYPERVISOR_console_io] = "console_io",
		[__HYPERVISOR_vcpu_op] = "vcpu_op",
		[__HYPERVISOR_mmuext_op] = "mmuext_op",
		[__HYPERVISOR_callback_op] = "callback_op",
		[__HYPERVISOR_event_channel_op] = "event_channel_op",
		[__HYPERVISOR_sched_op] = "sched_op",
		[__HYPERVISOR_hvm_op] = "hvm_op",
	};

	return nr < XEN_HCALL_NR && names[nr] ? names[nr] : "?";
}

/* Time in hypercall nr since boot, ns (the TSC rate Xen scales by). */
u64 xen_hcall_ns(unsigned nr)
{
	u64 khz = xen_tsc_khz();

	if (nr >= XEN_HCALL_NR || !khz)
		return 0;
	/* cycles * 10^6 / kHz would overflow past ~5 hours at 2.6 GHz */
	return xen_hcall_stats[nr].cycles / khz * 1000000 +
	       xen_hcall_stats[nr].cycles % khz * 1000000 / khz;
}
