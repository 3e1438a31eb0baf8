/*
 * A PVH or HVM guest started with memory < maxmem runs in populate-on-demand
 * mode: its memory map covers maxmem, but only about `memory` worth of pages
 * can ever be backed, and touching more crashes the domain ("out of PoD
 * memory"). So the RAM beyond the first tot_pages - POD_SLACK_PAGES pages
 * of the map comes up offline (PageOffline, never touched), and the balloon
 * gives it back to Xen without touching it.
 *
 * tot_pages (XENMEM_current_reservation) also counts frames Xen populated
 * outside the RAM ranges (rings, shared pages, ACPI tables, the low 1 MiB
 * holes that hvmloader fills), so a slack is kept. A PV guest needs none of
 * this: its pfns past start_info's nr_pages are offline already (pv.c).
 */
#include <ballast/boot_mem_map.h>
#include <ballast/printk.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>

#define POD_SLACK_PAGES 2048 /* 8 MiB: HVM firmware populates more than PVH */

static u64 ram_pages_in_map(void)
{
	u64 s, e, n = 0;

	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		n += (e - s) >> PAGE_SHIFT;
	return n;
}

void xen_pod_clip_memory_map(void)
{
	domid_t self = DOMID_SELF;
	long tot;
	u64 ram;

	if (xen.mode != XEN_PVH && xen.mode != XEN_HVM)
		return;
	tot = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	ram = ram_pages_in_map();
	if (tot <= POD_SLACK_PAGES || (u64)tot >= ram)
		return;
	pr_notice("xen: map has %llu KiB of RAM but only %ld KiB are backed "
		  "(memory < maxmem: populate-on-demand); %llu KiB usable\n",
		  (unsigned long long)(ram << 2), tot << 2,
		  (unsigned long long)((tot - POD_SLACK_PAGES) << 2));
	bootmem_offline_beyond(tot - POD_SLACK_PAGES,
			       "xen populate-on-demand: beyond the reservation");
}
