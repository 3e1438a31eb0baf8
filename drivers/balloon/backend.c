/*
 * The bottom of the balloon core: the one place that calls the backend.
 * Every populate and decrease goes through here, counted and timed; a
 * backend that misbehaves (an error, a count past what was asked) becomes
 * a reason or a BUG, not a corrupt list. The host's limit and count, and
 * where blocks may be added, are asked here too, so the core above sees a
 * backend without a host limit as one whose limit is never the reason.
 */
#include <ballast/timer.h>
#include "internal.h"

int balloon_check_backend(const struct balloon_backend *be)
{
	if (!be || !be->populate || !be->decrease)
		return -EINVAL;
	if (be->host_limit && (!be->max_pages || !be->current_pages))
		return -EINVAL;
	/* The lists the core builds are of PAGE_SIZE pfns; no conversion. */
	if (be->pfn_shift != PAGE_SHIFT)
		return -EINVAL;
	return 0;
}

bool balloon_huge_allowed(void)
{
	return balloon.be->max_order >= BALLOON_HUGE_ORDER;
}

unsigned long balloon_populate(unsigned long nr, unsigned int order,
			       enum balloon_reason *why)
{
	u64 t0 = clock_ns();
	long done;

	BUG_ON(order > balloon.be->max_order);
	balloon.calls++;
	done = balloon.be->populate(balloon.pfns, nr, order);
	balloon.t.populate_ns += clock_ns() - t0;
	if (done == -ETIMEDOUT && !balloon.be->tell_before_reuse) {
		/* The host need not answer before the pages are used again. */
		balloon.untold += nr << order;
		return nr;
	}
	if (done < 0) {
		*why = done == -ENOMEM ? BALLOON_NO_FREE_MEMORY : BALLOON_BACKEND_ERROR;
		return 0;
	}
	BUG_ON((unsigned long)done > nr);
	return (unsigned long)done;
}

unsigned long balloon_decrease(unsigned long nr, unsigned int order,
			       enum balloon_reason *why)
{
	u64 t0 = clock_ns();
	long done;

	BUG_ON(order > balloon.be->max_order);
	balloon.calls++;
	done = balloon.be->decrease(balloon.pfns, nr, order);
	balloon.t.decrease_ns += clock_ns() - t0;
	if (done < 0) {
		*why = BALLOON_BACKEND_ERROR;
		return 0;
	}
	BUG_ON((unsigned long)done > nr);
	return (unsigned long)done;
}

bool balloon_host_pages(u64 *cur, u64 *max)
{
	if (!balloon.be || !balloon.be->host_limit)
		return false;
	*cur = balloon.be->current_pages();
	*max = balloon.be->max_pages();
	return true;
}

enum balloon_reason balloon_host_reason(void)
{
	u64 cur, max;

	if (balloon_host_pages(&cur, &max) && cur >= max)
		return BALLOON_HOST_MAX;
	return BALLOON_HOST_NO_MEMORY;
}

u64 balloon_hotplug_base(void)
{
	return balloon.be->hotplug_base ? balloon.be->hotplug_base() : 0;
}
