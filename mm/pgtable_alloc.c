/*
 * Page-table pages from the buddy allocator, once mm is up: what
 * arch_pgtable_alloc and arch_pgtable_free point to after mm_init (before,
 * the boot allocator's). Apart from page_alloc.c because they are the
 * arch's interface (PG_pgtable pages, counted in mm.pgtable), not the
 * allocator's.
 */
#include "internal.h"

/* arch_pgtable_alloc once the buddy allocator runs: a zeroed page. */
phys_addr_t buddy_pgtable_alloc(void)
{
	struct page *p = alloc_pages(0);

	if (!p)
		return 0;
	p->flags |= PG_pgtable;
	mm.pgtable++;
	memset(page_address(p), 0, PAGE_SIZE);
	return page_to_phys(p);
}

/* arch_pgtable_free: only pages buddy_pgtable_alloc handed out go back. */
void buddy_pgtable_free(phys_addr_t table)
{
	unsigned long pfn = PFN_DOWN(table);

	if (!mm.ready || pfn_to_section_nr(pfn) >= mm.nr_sections ||
	    pfn_section(pfn)->state != SECTION_ONLINE)
		return;
	struct page *p = pfn_to_page(pfn);

	if (p->type != PGTY_ALLOC || !(p->flags & PG_pgtable) || p->order != 0)
		return;
	free_pages(p, 0);
}
