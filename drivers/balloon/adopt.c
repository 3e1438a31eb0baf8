/*
 * Pages that start out ballooned: RAM in the guest's memory map that the
 * host does not back (Xen PV pfns past nr_pages), or backs only on demand
 * (populate-on-demand entries beyond the target). Boot code leaves them
 * PageOffline and untouched; the balloon takes them over here.
 *
 * Populate-on-demand pages must go back to the host before the guest uses
 * that much memory, and without scrubbing: writing one would make the host
 * populate it first. They wait on the pending lists, which balloon_work
 * empties before anything else.
 */
#include "internal.h"

static int check_adoptable(unsigned long pfn, unsigned long nr)
{
	unsigned long end = pfn + nr;

	for (unsigned long s = pfn_to_section_nr(pfn);
	     s <= pfn_to_section_nr(end - 1); s++) {
		struct section_info si;

		if (mm_section_info(s, &si) || si.state != SECTION_ONLINE)
			return -EINVAL;
	}
	for (unsigned long i = pfn; i < end; i++) {
		const struct page *p = pfn_to_page(i);

		if (balloon_owns_page(p))
			return -EBUSY;
		if (!PageOffline(p) || page_count(p) != 1)
			return -EINVAL;
	}
	return 0;
}

int balloon_adopt(unsigned long pfn, unsigned long nr, enum balloon_adopt how)
{
	bool pod = how == BALLOON_ADOPT_POD;
	struct balloon_list *h = pod ? &balloon.pend_huge : &balloon.huge;
	struct balloon_list *s = pod ? &balloon.pend_small : &balloon.small;
	unsigned long end = pfn + nr;
	int err;

	if (!nr || end < pfn || (how != BALLOON_ADOPT_UNBACKED && !pod))
		return -EINVAL;
	err = check_adoptable(pfn, nr);
	if (err)
		return err;
	while (pfn < end) {
		if (!(pfn & (BALLOON_HUGE_PAGES - 1)) &&
		    end - pfn >= BALLOON_HUGE_PAGES) {
			bl_push_huge(h, pfn);
			pfn += BALLOON_HUGE_PAGES;
		} else {
			bl_push(s, pfn++);
		}
	}
	balloon.ballooned += nr;
	if (pod && balloon.kick)
		balloon.kick();
	return 0;
}

/* Pending runs the host took become plain ballooned runs; the rest wait. */
static enum balloon_reason release_pending_huge(void)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long runs = (unsigned long)MIN(balloon.pend_huge.nr,
						(u64)BALLOON_BATCH);
	unsigned long i, done, partial;

	for (i = 0; i < runs; i++)
		balloon.pfns[i] = bl_pop(&balloon.pend_huge);
	done = balloon_decrease(runs, BALLOON_HUGE_ORDER, &partial, &why);
	for (i = 0; i < done; i++)
		bl_push_huge(&balloon.huge, balloon.pfns[i]);
	if (partial) {
		bl_push_run(&balloon.small, balloon.pfns[i], partial);
		bl_push_run(&balloon.pend_small, balloon.pfns[i] + partial,
			    BALLOON_HUGE_PAGES - partial);
		i++;
	}
	for (; i < runs; i++)
		bl_push_run(&balloon.pend_small, balloon.pfns[i],
			    BALLOON_HUGE_PAGES);
	balloon.pages_down += (u64)done * BALLOON_HUGE_PAGES + partial;
	balloon.huge_down += done;
	if (done < runs && why == BALLOON_OK)
		balloon.huge_down_refused = true;
	return why;
}

static enum balloon_reason release_pending_small(void)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long n = (unsigned long)MIN(balloon.pend_small.nr,
					     (u64)BALLOON_BATCH);
	unsigned long i, done, partial;

	for (i = 0; i < n; i++)
		balloon.pfns[i] = bl_pop(&balloon.pend_small);
	done = balloon_decrease(n, 0, &partial, &why);
	for (i = 0; i < done; i++)
		bl_push(&balloon.small, balloon.pfns[i]);
	for (; i < n; i++)
		bl_push(&balloon.pend_small, balloon.pfns[i]);
	balloon.pages_down += done;
	if (done < n && why == BALLOON_OK)
		why = BALLOON_HOST_REFUSED;
	return why;
}

enum balloon_reason balloon_release_pending(void)
{
	if (balloon.pend_huge.nr && !balloon.huge_down_refused)
		return release_pending_huge();
	if (!balloon.pend_small.nr)
		bl_push_run(&balloon.pend_small, bl_pop(&balloon.pend_huge),
			    BALLOON_HUGE_PAGES);
	return release_pending_small();
}
