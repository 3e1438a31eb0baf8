/*
 * Stand-in for the arch side of mm (include/ballast/arch_mm.h) in the host
 * tests and the bench: "physical memory" is a sparse memfd of SIM_MM_MAX_PHYS
 * bytes. The direct map and the vmemmap are PROT_NONE reservations;
 * arch_direct_map and arch_map_range map the memfd into them (MAP_SHARED, so
 * the vmemmap really lives in the physical pages mm chose for it), and
 * unmapping puts PROT_NONE back, so touching the memmap of an absent section
 * faults.
 */
#ifndef SIM_MM_H
#define SIM_MM_H

#include <ballast/types.h>

#ifndef SIM_MM_MAX_PHYS
#define SIM_MM_MAX_PHYS (4ULL << 30)
#endif
/* How much of it the direct map covers; less only for a big sparse guest
 * (the 1 TiB balloon bench: valgrind cannot reserve 1 TiB of address
 * space), whose frames above this are never backed nor touched. */
#ifndef SIM_MM_DIRECT_MAX
#define SIM_MM_DIRECT_MAX SIM_MM_MAX_PHYS
#endif

/* Throw all mm state and simulated memory away; empty boot_mem_map. */
void sim_mm_reset(void);
/* After filling boot_mem_map: direct-map its RAM and run mm_init(). */
void sim_mm_start(void);
/*
 * Reset and boot the standard layout: RAM [0,640K) and [1M,2*SECTION_SIZE),
 * E820 reserved [640K,1M), kernel [1M,3M) and initrd [3M,3M+256K) reserved.
 * Sections 0 and 1 come up online.
 */
void sim_mm_boot_default(void);
/* The host's own view of a frame (any pfn, mapped in the guest or not). */
void *sim_mm_frame(phys_addr_t pa);
bool sim_mm_is_direct_mapped(unsigned long pfn);
/* Pages of [pfn, pfn+n) that are in the direct map: reachable or not. */
void sim_mm_access(unsigned long pfn, unsigned long n, bool ok);
/* Set by a simulated hypervisor: arch_direct_map leaves frames it has not
 * backed out of reach, as under Xen PV. */
extern bool (*sim_mm_backed)(unsigned long pfn);

/* arch_map_range asks arch_pgtable_alloc for one page per new 2 MiB of
 * vmemmap (like a real page-table walk would); on by default. */
extern bool sim_mm_pgtables;
extern unsigned long sim_mm_pgtables_allocated;
/* Make the next Nth call of arch_direct_map / arch_map_range fail (1 = next). */
extern int sim_mm_fail_direct_map, sim_mm_fail_map_range;

/* Map / unmap one page of the direct map: a frame a balloon backed or gave
 * back (unmapped, so a touch faults as it would under Xen PV). */
void sim_mm_direct_map_page(phys_addr_t pa);
void sim_mm_direct_unmap_page(phys_addr_t pa);

#endif
