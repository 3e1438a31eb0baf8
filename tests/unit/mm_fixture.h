/*
 * Helpers shared by the memory hotplug tests (test_mm_hotplug.c,
 * test_mm_online_hooks.c, test_mm_notifiers.c).
 */
#ifndef MM_FIXTURE_H
#define MM_FIXTURE_H

#include <ballast/mm.h>
#include <ballast/page.h>

/* Blocks 2 and 3 have their vmemmap page table from boot (same 2 MiB), so
 * adding them consumes nothing but the memmap itself. */
#define B2 (2 * SECTION_SIZE)
#define B2PFN ((unsigned long)PFN_DOWN(B2))
#define NPS PAGES_PER_SECTION

#define CHECK_STATS_EQ(a, b) CHECK(memcmp(&(a), &(b), sizeof(a)) == 0)

/* A snapshot of the per-page state of [pfn, pfn+n) (list links excluded). */
struct pstate {
	u8 type, order;
	u16 flags;
	u32 refcount;
};

/*
 * The counters once the order-0 cache gave its pages back (pcp 0): what
 * the tests compare is where free memory is, so free_blocks must be the
 * buddy's whole picture.
 */
struct mm_stats mmt_stats(void);
/* The default simulated boot, with page poisoning on. */
void mmt_boot(void);
struct pstate *mmt_snap(unsigned long pfn, unsigned long n);
bool mmt_same(const struct pstate *s, unsigned long pfn, unsigned long n);
/* Allocate order-0 pages until one lands in block `nr`; free the others. */
struct page *mmt_alloc_in_block(unsigned long nr);

#endif
