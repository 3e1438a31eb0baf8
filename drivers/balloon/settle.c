/*
 * Settling, at the target: memory moves down toward the boot layout.
 *
 * A guest that went up and down with memory in use can reach its target
 * with pages in added blocks and ballooned pages in lower blocks: the right
 * count, the wrong layout, and a memmap, page tables (and under PV, P2M
 * leaves) for blocks it need not have. So once at the target, free pages
 * of the highest added block go back to the host and as many ballooned
 * pages of lower blocks come back, a batch at a time, until that block
 * holds only ballooned pages and balloon_remove_one takes it away.
 *
 * Memory only ever moves to a lower block, so settling ends: every batch
 * lowers the sum of the block numbers the guest's pages are in. The count
 * dips by one batch between the release and the populate; a populate that
 * falls short leaves the balloon below its target, and going up (with its
 * retries) brings the rest, lowest blocks first.
 */
#include "internal.h"

/* At most this many 2 MiB runs a batch: xl list dips by this much. */
#define SETTLE_RUNS 32

/* The lowest block holding ballooned pages (nr_blocks: none). */
static unsigned long lowest_ballooned(void)
{
	unsigned long nr = MIN(balloon.lo_small, balloon.lo_huge);

	while (nr < balloon.nr_blocks && !balloon.blocks[nr].pages)
		nr++;
	return nr;
}

/* Up to max free extents of 2^order pages in block nr, into balloon.pfns. */
static unsigned long grab_in_block(unsigned long nr, unsigned long max,
				   unsigned int order)
{
	unsigned long pfn = section_nr_to_pfn(nr);

	return balloon_grab_at(&pfn, section_nr_to_pfn(nr + 1), max, order);
}

/*
 * Free pages of added block nr, as many as the blocks below it can take
 * back (they hold `small` single pages and `huge` runs ballooned): whole
 * runs while there are runs, else pages.
 */
static unsigned long grab_source(unsigned long nr, u64 small, u64 huge,
				 unsigned int *order)
{
	u64 spare = 0;
	struct mm_stats st;

	mm_get_stats(&st);
	if (st.free > BALLOON_RESERVE_PAGES)
		spare = st.free - BALLOON_RESERVE_PAGES;
	*order = BALLOON_HUGE_ORDER;
	if (huge && !balloon.huge_down_refused && !balloon.huge_up_refused &&
	    spare >= BALLOON_HUGE_PAGES) {
		unsigned long n = grab_in_block(nr, MIN(MIN(huge, (u64)SETTLE_RUNS),
							spare / BALLOON_HUGE_PAGES),
						BALLOON_HUGE_ORDER);

		if (n)
			return n;
	}
	*order = 0;
	return grab_in_block(nr, MIN(MIN(small + huge * BALLOON_HUGE_PAGES,
					 (u64)BALLOON_BATCH), spare), 0);
}

/* The first block from the top with free pages to move down, or -1. */
static long find_source(unsigned long low, unsigned long *n, unsigned int *order)
{
	const struct balloon_block *b = balloon.blocks;
	u64 small = 0, huge = 0; /* ballooned below nr */
	long nr = (long)balloon.settle_top;

	for (unsigned long i = low; i < balloon.settle_top; i++) {
		small += b[i].small.nr;
		huge += b[i].huge.nr;
	}
	for (; nr > (long)low; nr--) {
		if (b[nr].seq && (*n = grab_source((unsigned long)nr, small, huge, order)))
			return nr;
		balloon.settle_top = (unsigned long)nr - 1; /* nothing to move here */
		small -= b[nr - 1].small.nr;
		huge -= b[nr - 1].huge.nr;
	}
	return -1;
}

/* One batch; BALLOON_OK when it moved pages, BALLOON_NO_PAGES when done. */
enum balloon_reason balloon_settle(void)
{
	unsigned long low = lowest_ballooned(), n = 0;
	unsigned int order = 0;
	enum balloon_reason why;
	u64 before, moved;
	long nr;

	if (low >= balloon.nr_blocks || balloon.settle_top >= balloon.nr_blocks)
		return BALLOON_NO_PAGES;
	nr = find_source(low, &n, &order);
	if (nr < 0)
		return BALLOON_NO_PAGES;
	before = balloon.pages_down;
	why = balloon_release_list(n, order);
	moved = balloon.pages_down - before;
	if (!moved) /* no 2 MiB extents: single pages next batch */
		return order && why == BALLOON_OK && balloon.huge_down_refused ?
			       BALLOON_OK : BALLOON_HOST_REFUSED;
	return balloon_up_below(moved, (unsigned long)nr);
}
