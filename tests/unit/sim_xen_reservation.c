/*
 * The reservation calls of include/ballast/xen/reservation.h over the
 * simulated hypervisor (sim_hypervisor.c), for code of drivers/xen/ that
 * the unit tests build (page_reporting.c): the same frames, counts and
 * faults the balloon core meets through sim_backend.
 */
#include "sim_hypervisor.h"
#include <ballast/xen/reservation.h>

long xen_populate_physmap(const unsigned long *pfns, unsigned long n,
			  unsigned order)
{
	return sim_backend.populate(pfns, n, order);
}

long xen_decrease_reservation(const unsigned long *pfns, unsigned long n,
			      unsigned order)
{
	return sim_backend.decrease(pfns, n, order);
}

long xen_current_reservation(void)
{
	return (long)sim.tot_pages;
}

long xen_maximum_reservation(void)
{
	return (long)sim.max_pages;
}
