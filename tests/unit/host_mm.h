/*
 * Host stand-in for the arch side of mm (include/ballast/arch_mm.h):
 * "physical memory" is a sparse memfd of HOST_MAX_PHYS bytes. The direct map
 * and the vmemmap are PROT_NONE reservations; arch_direct_map and
 * arch_map_range map the memfd into them (MAP_SHARED, so the vmemmap really
 * lives in the physical pages mm chose for it), and unmapping puts PROT_NONE
 * back, so touching the memmap of an absent section faults.
 */
#ifndef HOST_MM_H
#define HOST_MM_H

#include <ballast/types.h>

#define HOST_MAX_PHYS (4ULL << 30)

/* Throw all mm state and simulated memory away; empty boot_mem_map. */
void host_mm_reset(void);
/* After filling boot_mem_map: direct-map its RAM and run mm_init(). */
void host_mm_start(void);
/*
 * Reset and boot the standard layout: RAM [0,640K) and [1M,2*SECTION_SIZE),
 * more RAM up to HOST_MAX_PHYS that mem=2*SECTION_SIZE hides (hot-add it),
 * E820 reserved [640K,1M), kernel [1M,3M) and initrd [3M,3M+256K) reserved.
 * Sections 0 and 1 come up online.
 */
void host_mm_boot_default(void);

/* arch_map_range asks arch_pgtable_alloc for one page per new 2 MiB of
 * vmemmap (like a real page-table walk would); on by default. */
extern bool host_sim_pgtables;
extern unsigned long host_pgtables_allocated;
/* Make the next Nth call of arch_direct_map / arch_map_range fail (1 = next). */
extern int host_fail_direct_map, host_fail_map_range;

#endif
