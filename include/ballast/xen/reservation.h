/*
 * The domain's memory reservation (drivers/xen/reservation.c): give frames
 * to Xen and take them back, by guest pfn, in extents of 2^order pages.
 * Both return the number of extents done (a short count is normal, never an
 * error) or a negative errno when nothing could even be tried. Under PV the
 * P2M and the direct map follow: populated frames are mapped, released ones
 * were unmapped first.
 */
#ifndef BALLAST_XEN_RESERVATION_H
#define BALLAST_XEN_RESERVATION_H

#include <ballast/types.h>

/* Largest extent order a domU may use on x86 (memop-max-order). */
#define XEN_MAX_EXTENT_ORDER 9

long xen_populate_physmap(const unsigned long *pfns, unsigned long n,
			  unsigned order);
long xen_decrease_reservation(const unsigned long *pfns, unsigned long n,
			      unsigned order);
/* tot_pages and max_pages of this domain, in pages; negative errno. */
long xen_current_reservation(void);
long xen_maximum_reservation(void);

#endif
