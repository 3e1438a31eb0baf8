/*
 * The order-0 cache's hot side, inline in alloc_pages and free_pages
 * (page_alloc.c): a pop and a push of one pfn, one 16-byte struct page
 * written whole. Everything that is not one of those two is pcp.c. Only
 * mm/page_alloc.c and mm/pcp.c include this.
 */
#ifndef MM_PCP_H
#define MM_PCP_H

#include "buddy.h"

/* A cached page: free, on no list, nothing else set. */
static const struct page pcp_page = { .type = PGTY_PCP };
/* A page as an order-0 allocation hands it out. */
static const struct page alloc0_page = {
	.refcount = 1, .type = PGTY_ALLOC, .flags = PG_head,
};

/* pcp.c: a free while a section is isolated, or into a full cache. */
void pcp_free_slow(unsigned long pfn);

/* pfn, just off the cache's stack, as an order-0 allocation. */
static __hot_inline struct page *pcp_hand_out(unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	check_poison(pfn, 1);
	mm.free--;
	*p = alloc0_page;
	return p;
}

/* The cache is not empty: its newest page, allocated. */
static __hot_inline struct page *pcp_pop(void)
{
	return pcp_hand_out(mm.pcp.pfn[--mm.pcp.count]);
}

/* The cache has room and pfn's section is not isolated. */
static __hot_inline void pcp_add(unsigned long pfn)
{
	*pfn_to_page(pfn) = pcp_page;
	poison_pages(pfn, 1);
	mm.pcp.pfn[mm.pcp.count++] = (u32)pfn;
	mm.free++;
}

/* A freed order-0 page (any state before: overwritten). */
static __hot_inline void pcp_push(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (unlikely(mm.pcp.count >= mm.pcp.high)) {
		pcp_free_slow(pfn);
		return;
	}
	pcp_add(pfn);
}

#endif
