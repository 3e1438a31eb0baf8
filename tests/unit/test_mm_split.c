/* split_page and free_offline_pages: a whole block in, single pages out, and back. */
#include "unit.h"
#include "mm_fixture.h"
#include <ballast/mm.h>

TEST(mm_split_page_gives_single_pages)
{
	mmt_boot();
	struct mm_stats before = mmt_stats();
	struct page *p = alloc_pages(9);

	CHECK(p);
	split_page(p, 9);
	for (int i = 0; i < 512; i++) {
		CHECK(PageAllocated(&p[i]));
		CHECK_EQ(p[i].order, 0);
		CHECK_EQ(page_count(&p[i]), 1);
	}
	/* Freed singly, in any order, they merge back to what was there. */
	for (int i = 511; i >= 0; i--)
		free_page(&p[i]);
	struct mm_stats after = mmt_stats();

	CHECK_STATS_EQ(before, after);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_split_page_refuses_shared_block)
{
	mmt_boot();
	struct page *p = alloc_pages(2);

	get_page(p);
	unit_expect_panic();
	split_page(p, 2);
}

TEST(mm_free_offline_pages_returns_whole_block)
{
	mmt_boot();
	struct mm_stats before = mmt_stats();
	struct page *p = alloc_pages(9);

	split_page(p, 9);
	for (int i = 0; i < 512; i++)
		set_page_offline(&p[i], false);
	struct mm_stats mid = mmt_stats();

	CHECK_EQ(mid.page_offline, before.page_offline + 512);
	CHECK_EQ(mid.managed, before.managed - 512);
	CHECK_EQ(mm_check_consistency(), 0);
	free_offline_pages(p, 9);
	struct mm_stats after = mmt_stats();

	CHECK_STATS_EQ(before, after);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_free_offline_pages_refuses_mixed_run)
{
	mmt_boot();
	struct page *p = alloc_pages(1);

	split_page(p, 1);
	set_page_offline(&p[0], false);
	unit_expect_panic();
	free_offline_pages(p, 1); /* p[1] is still allocated */
}
