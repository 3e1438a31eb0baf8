/*
 * Going up: ask the host to back ballooned pfns again and give the pages to
 * the allocator. Whole 2 MiB runs go as order-9 extents (when the backend
 * takes them; else runs are split and go as single pages); when the host
 * answers short for order 9 (no free 2 MiB chunk), the runs it did not
 * back are split and the same step carries on with single pages. Only
 * ballooned pfns are ever asked for, so a backed frame is never populated
 * twice (under Xen that would orphan the old frame).
 */
#include "internal.h"

/* Backed again: to the allocator, in one block when it is a whole run. */
static void unballoon(unsigned long pfn, unsigned int order)
{
	free_offline_pages(pfn_to_page(pfn), order);
	balloon.ballooned -= 1UL << order;
	balloon.pages_up += 1UL << order;
}

static enum balloon_reason up_huge(unsigned long runs, unsigned long below,
				  u64 *pages)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long i, done;

	for (i = 0; i < runs; i++)
		if (!bal_take_run(&balloon.pfns[i], below))
			break;
	runs = i;
	done = runs ? balloon_populate(runs, BALLOON_HUGE_ORDER, &why) : 0;
	for (i = 0; i < done; i++)
		unballoon(balloon.pfns[i], BALLOON_HUGE_ORDER);
	for (; i < runs; i++)
		bal_keep_pages(balloon.pfns[i], BALLOON_HUGE_PAGES);
	if (done < runs)
		balloon.huge_up_refused = true;
	balloon.huge_up += done;
	*pages = (u64)done * BALLOON_HUGE_PAGES;
	return why;
}

static enum balloon_reason up_small(u64 need, unsigned long below)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long i, n = (unsigned long)MIN(need, (u64)BALLOON_BATCH);
	unsigned long done;

	for (i = 0; i < n; i++)
		if (!bal_take_page(&balloon.pfns[i], below))
			break;
	n = i;
	if (!n)
		return BALLOON_NO_PAGES;
	done = balloon_populate(n, 0, &why);
	for (i = 0; i < done; i++)
		unballoon(balloon.pfns[i], 0);
	for (; i < n; i++)
		bal_keep_pages(balloon.pfns[i], 1);
	if (done < n && why == BALLOON_OK)
		why = balloon_host_reason();
	return why;
}

/*
 * One batch of up to `need` pages, from ballooned pages in blocks below
 * `below` only (nr_blocks: any), lowest block first.
 */
enum balloon_reason balloon_up_below(u64 need, unsigned long below)
{
	u64 runs = MIN(MIN(need / BALLOON_HUGE_PAGES, balloon.nr_huge),
		       (u64)BALLOON_BATCH);

	if (runs && !balloon.huge_up_refused) { /* refused: also max_order 0 */
		u64 got;
		enum balloon_reason why = up_huge((unsigned long)runs, below, &got);

		if (why != BALLOON_OK || got == need)
			return why;
		need -= got; /* the rest of this batch as single pages */
		if (got && !balloon.huge_up_refused)
			return BALLOON_OK;
	}
	return up_small(need, below);
}

/*
 * Nothing ballooned left to bring back: add a memory block (hotplug.c),
 * whose pages come up ballooned, and carry on with them next time.
 */
enum balloon_reason balloon_up(u64 need)
{
	if (!balloon.nr_small && !balloon.nr_huge)
		return balloon_add_block();
	return balloon_up_below(need, balloon.nr_blocks);
}
