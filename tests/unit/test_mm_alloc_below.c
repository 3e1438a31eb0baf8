/*
 * alloc_pages_below (mm/page_alloc.c): the lowest free block wholly below a
 * pfn, for data that must outlive any hot-added block (the PV P2M's
 * bookkeeping). It passes over what plain allocation would hand out first
 * (a cached or free page of block 2), takes the lowest free pfn, cached or
 * not, and when nothing below is free it fails and changes nothing.
 */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>

static void online_b2(void)
{
	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
}

TEST(mm_alloc_below_skips_a_cached_page_above)
{
	online_b2();
	struct page *hi = alloc_pages_at(B2PFN + 7, 0);

	CHECK(hi);
	free_pages(hi, 0); /* the next order-0 allocation's, LIFO */
	CHECK(PagePcp(hi));
	struct page *p = alloc_pages_below(0, B2PFN);

	CHECK(p);
	CHECK(page_to_pfn(p) < B2PFN);
	CHECK(PageAllocated(p));
	CHECK(PagePcp(hi));
	free_pages(p, 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_alloc_below_orders_are_aligned_and_below)
{
	online_b2();
	for (unsigned int order = 0; order <= MAX_ORDER; order++) {
		struct mm_stats a = mmt_stats();
		struct page *p = alloc_pages_below(order, B2PFN);

		CHECK(p);
		CHECK_EQ(page_to_pfn(p) & ((1UL << order) - 1), 0);
		CHECK(page_to_pfn(p) + (1UL << order) <= B2PFN);
		CHECK_EQ(p->order, order);
		CHECK_EQ(mmt_stats().free, a.free - (1UL << order));
		free_pages(p, order);
		CHECK_EQ(mmt_stats().free, a.free);
	}
	CHECK_EQ(mm_check_consistency(), 0);
}

/* Nothing free below the limit: NULL, and not a page moves. */
TEST(mm_alloc_below_fails_cleanly)
{
	u32 head = PFN_NONE;
	struct page *p;

	online_b2();
	CHECK(!alloc_pages_below(0, 0));
	CHECK(!alloc_pages_below(MAX_ORDER + 1, B2PFN));
	/* Take every free page below block 2. */
	while ((p = alloc_pages_below(0, B2PFN))) {
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	struct mm_stats a = mmt_stats();

	CHECK(a.free >= NPS - 1); /* block 2 is still free */
	CHECK(!alloc_pages_below(0, B2PFN));
	CHECK(!alloc_pages_below(4, B2PFN));
	CHECK_EQ(mmt_stats().free, a.free);
	p = alloc_pages(0);
	CHECK(p && page_to_pfn(p) >= B2PFN);
	free_pages(p, 0);
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		p->private = 0;
		free_pages(p, 0);
	}
	CHECK_EQ(mm_check_consistency(), 0);
}

/* The lowest free pfn, whether it waits in the cache or on a list. */
TEST(mm_alloc_below_takes_the_lowest)
{
	online_b2();
	struct mm_stats a = mmt_stats();
	unsigned long low = ~0UL;

	for (unsigned long pfn = 0; pfn < B2PFN; pfn++)
		if (PageFree(pfn_to_page(pfn)) || PageBuddy(pfn_to_page(pfn))) {
			low = pfn;
			break;
		}
	CHECK(low < B2PFN);
	struct page *p = alloc_pages_below(0, B2PFN);

	CHECK(p && page_to_pfn(p) == low);
	free_pages(p, 0); /* now cached: found there */
	CHECK(PagePcp(p));
	struct page *q = alloc_pages_below(0, B2PFN);

	CHECK(q == p);
	free_pages(q, 0);
	CHECK_EQ(mmt_stats().free, a.free);
	CHECK_EQ(mm_check_consistency(), 0);
}
