/*
 * Going down: take pages from the allocator, zero them if the backend asks
 * (scrub), hand them to the host. Whole free 2 MiB blocks first, as order-9
 * extents when the backend takes them (the host keeps its superpages whole,
 * and one call moves 1 GiB), then single pages.
 *
 * Pages stay allocated (the balloon's) while the host decides; only the
 * ones it took become PageOffline, and the rest go straight back to the
 * allocator, so a short count leaves nothing half done.
 */
#include <ballast/timer.h>
#include "internal.h"

/* Pages the allocator can spare now, keeping BALLOON_RESERVE_PAGES free. */
static u64 down_budget(u64 need)
{
	struct mm_stats st;

	mm_get_stats(&st);
	if (st.free <= BALLOON_RESERVE_PAGES)
		return 0;
	return MIN(need, st.free - BALLOON_RESERVE_PAGES);
}

static unsigned long grab(unsigned long nr, unsigned int order)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct page *p = alloc_pages(order);

		if (!p)
			break;
		balloon.pfns[i] = page_to_pfn(p);
	}
	return i;
}

/*
 * The host must not see our data when a released frame may go to another
 * guest (the backend's scrub: Xen); a host that discards it needs none,
 * and one that scrubs freed frames itself (Xen does, before it hands a
 * page to another domain) may be told so: `balloon scrub off`.
 */
static void scrub(unsigned long nr, unsigned int order)
{
	u64 t0 = clock_ns();

	for (unsigned long i = 0; i < nr; i++)
		memset(phys_to_virt(PFN_PHYS(balloon.pfns[i])), 0,
		       PAGE_SIZE << order);
	balloon.t.scrub_ns += clock_ns() - t0;
	balloon.scrub_pages += nr << order;
}

/* n allocated order-0 pages from pfn, now without frames: ballooned. */
static void keep_pages(unsigned long pfn, unsigned long n)
{
	struct page *p = pfn_to_page(pfn);

	for (unsigned long i = 0; i < n; i++)
		set_page_offline(&p[i], false);
	if (n == BALLOON_HUGE_PAGES && !(pfn & (n - 1)))
		bal_keep_run(pfn);
	else
		bal_keep_pages(pfn, n);
	balloon.ballooned += n;
	balloon.pages_down += n;
}

enum balloon_reason balloon_release_list(unsigned long nr, unsigned int order)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long done, i;

	if (balloon_scrubs())
		scrub(nr, order);
	done = balloon_decrease(nr, order, &why);
	for (i = 0; i < done; i++) {
		if (order)
			split_page(pfn_to_page(balloon.pfns[i]), order);
		keep_pages(balloon.pfns[i], 1UL << order);
	}
	balloon.huge_down += order ? done : 0;
	if (done == nr)
		return BALLOON_OK;
	for (; i < nr; i++)
		free_pages(pfn_to_page(balloon.pfns[i]), order);
	if (why != BALLOON_OK)
		return why;
	if (order) {
		/* The host will not take 2 MiB extents: single pages next. */
		balloon.huge_down_refused = true;
		return BALLOON_OK;
	}
	return BALLOON_HOST_REFUSED;
}

/* Up to max extents of 2^order pages in [*pfn, end), moving *pfn on. */
unsigned long balloon_grab_at(unsigned long *pfn, unsigned long end,
			      unsigned long max, unsigned int order)
{
	unsigned long i = 0, p = ALIGN_UP(*pfn, 1UL << order);

	for (; p < end && i < max; p += 1UL << order)
		if (alloc_pages_at(p, order))
			balloon.pfns[i++] = p;
	*pfn = p;
	return i;
}

/*
 * Free pages of the blocks the balloon added, newest block first and one
 * block at a time: its 2 MiB runs (when huge), then its single pages, so
 * going down empties whole blocks it can then remove. Sets *order.
 */
static unsigned long grab_in_added(bool huge, unsigned long max9,
				   unsigned long max0, unsigned int *order)
{
	struct balloon_scan *sc = &balloon.scan;
	long nr;

	while ((nr = balloon_newest_block(sc)) >= 0) {
		unsigned long end = section_nr_to_pfn(nr + 1), n;

		if (!huge)
			sc->pfn[1] = end;
		*order = BALLOON_HUGE_ORDER;
		if ((n = balloon_grab_at(&sc->pfn[1], end, max9, BALLOON_HUGE_ORDER)))
			return n;
		*order = 0;
		if ((n = balloon_grab_at(&sc->pfn[0], end, max0, 0)))
			return n;
	}
	return 0;
}

/* Added blocks first (see grab_in_added), then anywhere (2 MiB runs, then
 * single pages). */
static enum balloon_reason down_batch(u64 budget)
{
	bool huge = budget >= BALLOON_HUGE_PAGES && !balloon.huge_down_refused;
	unsigned long max9 = MIN(budget / BALLOON_HUGE_PAGES, BALLOON_BATCH);
	unsigned long max0 = MIN(budget, BALLOON_BATCH), n;
	unsigned int order;

	if ((n = grab_in_added(huge, max9, max0, &order)))
		return balloon_release_list(n, order);
	if (huge && (n = grab(max9, BALLOON_HUGE_ORDER)))
		return balloon_release_list(n, BALLOON_HUGE_ORDER);
	if ((n = grab(max0, 0)))
		return balloon_release_list(n, 0);
	return BALLOON_NO_FREE_MEMORY;
}

enum balloon_reason balloon_down(u64 need)
{
	u64 budget = down_budget(need);

	if (!budget)
		return BALLOON_NO_FREE_MEMORY;
	return down_batch(budget);
}
