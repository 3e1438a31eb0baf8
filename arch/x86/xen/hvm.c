/*
 * What Xen HVM and PVH guests share (both are HVM containers): detection by
 * CPUID, the hypercall page through the MSR, shared_info placed by
 * XENMEM_add_to_physmap (enlighten.c), and the rings from HVM params. HVM
 * comes in through GRUB and multiboot2 and is found here, at the end of
 * arch_early_init; PVH has its own entry (pvh.c).
 */
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/arch_mm.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>

/*
 * The rings' event channels: at boot, and in a new domain after a restore
 * or migration (the ring frames stay where they were; the ports are new).
 */
void xen_hvm_read_ports(void)
{
	u64 v;

	if (!xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v))
		xen.store_evtchn = (u32)v;
	if (!xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &v))
		xen.console_evtchn = (u32)v;
}

/* Ring frames and event channels the toolstack set up for us. */
void xen_hvm_read_params(void)
{
	u64 v;

	if (!xen_hvm_get_param(HVM_PARAM_STORE_PFN, &v) && v)
		xen.store_pfn = v;
	if (!xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &v) && v)
		xen.console_pfn = v;
	xen_hvm_read_ports();
	/* The boot page tables map the first 4 GiB, where Xen puts them. */
	if (xen.store_pfn) {
		xen.store_ring = phys_to_virt(PFN_PHYS(xen.store_pfn));
		bootmem_reserve(PFN_PHYS(xen.store_pfn), PAGE_SIZE,
				"xenstore ring");
	}
	if (xen.console_pfn) {
		xen.console_ring = phys_to_virt(PFN_PHYS(xen.console_pfn));
		bootmem_reserve(PFN_PHYS(xen.console_pfn), PAGE_SIZE,
				"xen console ring");
	}
}

int xen_hvm_setup(enum xen_mode mode)
{
	int err;

	xen.cpuid_base = xen_cpuid_base();
	if (!xen.cpuid_base)
		return -ENODEV;
	xen.mode = mode;
	err = xen_hvm_init_hypercall_page();
	if (err) {
		xen.mode = XEN_NONE;
		return err;
	}
	xen_hvm_read_params();
	xen_common_init();
	return 0;
}

/* Called at the end of arch_early_init: GRUB under Xen HVM, or bare. */
void xen_hvm_early_detect(void)
{
	int err;

	if (xen.mode != XEN_NONE || !xen_cpuid_base())
		return;
	err = xen_hvm_setup(XEN_HVM);
	if (err)
		pr_warn("xen: found by CPUID but setup failed: %s\n",
			errno_name(err));
}

