/*
 * Free page reporting to Xen (drivers/xen/page_reporting.c): a reporting
 * device (include/ballast/page_reporting.h) that gives the frames of
 * reported free blocks back with XENMEM_decrease_reservation and populates
 * them again (PV: and maps them) before the allocator hands a block out.
 * Off by default; `balloon report on|off`, `page_reporting=xen`.
 *
 * Accounting: reported memory stays the guest's free memory. The balloon's
 * `current` (present less ballooned) does not change; the domain's
 * tot_pages (`xl list`) falls. The Xen backend adds the pages given back
 * by reporting to the host's count it shows the balloon core
 * (xen_reporting_host_current), so the core's maximum target (host_max -
 * host_cur) stays what the host really allows once every reported block
 * is reclaimed, and going up never runs into them.
 */
#ifndef BALLAST_XEN_PAGE_REPORTING_H
#define BALLAST_XEN_PAGE_REPORTING_H

#include <ballast/types.h>

struct xen_reporting_stats {
	bool on;
	u64 given_back;          /* pages whose frames Xen holds now */
	u64 blocks, pages;       /* blocks and pages given back since boot */
	u64 huge_extents, small_extents; /* decrease extents: 2 MiB, 4 KiB */
	u64 refused;             /* batches Xen did not take whole (undone) */
	u64 reclaims, reclaimed; /* blocks and pages populated again */
	u64 reclaim_failed;      /* reclaims Xen had no memory for */
	u64 lost;                /* pages in no known state after a double failure */
	u64 report_ns, reclaim_ns;
};

/* Register the device / reclaim every block and unregister it (-ENOSPC
 * while the domain's maximum has no room for them). 0 or -errno. */
int xen_reporting_start(void);
int xen_reporting_stop(void);
bool xen_reporting_on(void);
/* tot_pages as the balloon core must see it: with reported pages. */
u64 xen_reporting_host_current(u64 tot_pages);
void xen_reporting_get_stats(struct xen_reporting_stats *st);
/* The `balloon` command's lines about reporting. */
void xen_reporting_show(u64 tot_pages);

#ifdef BALLAST_HOST
void xen_reporting_reset_for_test(void);
#endif

#endif
