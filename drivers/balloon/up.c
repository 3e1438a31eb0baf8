/*
 * Going up: ask the host to back ballooned pfns again and give the pages to
 * the allocator. Whole 2 MiB runs go as order-9 extents; when the host
 * answers short for order 9 (no free 2 MiB chunk), the runs it did not
 * back are split and the same step carries on with single pages. Only
 * ballooned pfns are ever asked for, so a backed frame is never populated
 * twice (under Xen that would orphan the old frame).
 */
#include "internal.h"

/* Why the host stopped short: its limit, or its memory. */
static enum balloon_reason host_reason(void)
{
	if (balloon.be->current_pages() >= balloon.be->max_pages())
		return BALLOON_HOST_MAX;
	return BALLOON_HOST_NO_MEMORY;
}

static unsigned long populate(unsigned long nr, unsigned int order,
			      enum balloon_reason *why)
{
	long done;

	balloon.calls++;
	done = balloon.be->populate(balloon.pfns, nr, order);
	if (done < 0) {
		*why = BALLOON_BACKEND_ERROR;
		return 0;
	}
	BUG_ON((unsigned long)done > nr);
	return (unsigned long)done;
}

/* Backed again: to the allocator, in one block when it is a whole run. */
static void unballoon(unsigned long pfn, unsigned int order)
{
	free_offline_pages(pfn_to_page(pfn), order);
	balloon.ballooned -= 1UL << order;
	balloon.pages_up += 1UL << order;
}

static enum balloon_reason up_huge(unsigned long runs, u64 *pages)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long i, done;

	for (i = 0; i < runs; i++)
		balloon.pfns[i] = bl_pop(&balloon.huge);
	done = populate(runs, BALLOON_HUGE_ORDER, &why);
	for (i = 0; i < done; i++)
		unballoon(balloon.pfns[i], BALLOON_HUGE_ORDER);
	for (; i < runs; i++)
		bl_push_run(&balloon.small, balloon.pfns[i], BALLOON_HUGE_PAGES);
	if (done < runs)
		balloon.huge_up_refused = true;
	balloon.huge_up += done;
	*pages = (u64)done * BALLOON_HUGE_PAGES;
	return why;
}

static enum balloon_reason up_small(u64 need)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long i, n, done;

	if (!balloon.small.nr && balloon.huge.nr)
		bl_push_run(&balloon.small, bl_pop(&balloon.huge),
			    BALLOON_HUGE_PAGES);
	if (!balloon.small.nr)
		return BALLOON_NO_PAGES;
	n = (unsigned long)MIN(MIN(need, (u64)BALLOON_BATCH), balloon.small.nr);
	for (i = 0; i < n; i++)
		balloon.pfns[i] = bl_pop(&balloon.small);
	done = populate(n, 0, &why);
	for (i = 0; i < done; i++)
		unballoon(balloon.pfns[i], 0);
	for (; i < n; i++)
		bl_push(&balloon.small, balloon.pfns[i]);
	if (done < n && why == BALLOON_OK)
		why = host_reason();
	return why;
}

enum balloon_reason balloon_up(u64 need)
{
	u64 runs = MIN(MIN(need / BALLOON_HUGE_PAGES, balloon.huge.nr),
		       (u64)BALLOON_BATCH);

	if (runs && !balloon.huge_up_refused) {
		u64 got;
		enum balloon_reason why = up_huge((unsigned long)runs, &got);

		if (why != BALLOON_OK || !balloon.huge_up_refused ||
		    got == need)
			return why;
		need -= got; /* the rest of this batch as single pages */
	}
	return up_small(need);
}
