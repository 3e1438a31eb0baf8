/*
 * What generic mm/ needs from the architecture (or from the host test
 * harness in tests/unit, which simulates physical memory). mm/ includes this
 * header and never an arch or Xen header.
 *
 * Virtual layout (x86_64, chosen to stay clear of the hole Xen PV reserves at
 * 0xffff800000000000-0xffff87ffffffffff):
 *   DIRECT_MAP_BASE  all RAM that is present, at base + phys
 *   VMEMMAP_BASE     the struct page array, indexed by pfn; only the part
 *                    covering present sections is mapped
 */
#ifndef BALLAST_ARCH_MM_H
#define BALLAST_ARCH_MM_H

#include <ballast/types.h>

extern uintptr_t direct_map_base;   /* phys 0 is at this virtual address */
extern uintptr_t vmemmap_base;      /* struct page of pfn 0 */

static inline void *phys_to_virt(phys_addr_t p)
{
	return (void *)(direct_map_base + (uintptr_t)p);
}

static inline phys_addr_t virt_to_phys(const void *v)
{
	return (phys_addr_t)((uintptr_t)v - direct_map_base);
}

/* Highest physical address (exclusive) the memmap address space covers. */
extern phys_addr_t arch_max_phys_addr;

/*
 * Page-table pages: arch asks mm for zeroed 4 KiB pages through this hook
 * (boot allocator early, buddy allocator later). Returns 0 on failure.
 */
extern phys_addr_t (*arch_pgtable_alloc)(void);
/*
 * ...and gives back the ones an unmap emptied, so add/remove cycles leave
 * free memory exactly as it was. mm ignores pages it did not hand out.
 */
extern void (*arch_pgtable_free)(phys_addr_t table);

/*
 * Called once by mm_init while the boot allocator runs: build, up front,
 * the page tables the direct map and the vmemmap need below the domain's
 * reach (the top of the boot memory map, which under Xen covers maxmem,
 * rounded up to a GiB), about 3 KiB per GiB. Hot-add within that reach
 * takes no page-table page; beyond it (a raised maxmem) the tables come
 * from the allocator and go back when the block is removed. Also maps the
 * boot RAM (bootmem_ram_range) the entry code left unmapped.
 */
int arch_prealloc_page_tables(void);

/* Map / unmap [phys, phys+size) in the direct map. Page aligned. */
int arch_direct_map(phys_addr_t phys, u64 size);
void arch_direct_unmap(phys_addr_t phys, u64 size);

/*
 * Back the kernel virtual range [va, va+size) with physical pages
 * [phys, phys+size) (used for the vmemmap). Page aligned.
 */
int arch_map_range(uintptr_t va, phys_addr_t phys, u64 size);
void arch_unmap_range(uintptr_t va, u64 size);

#endif
