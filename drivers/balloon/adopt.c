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
#include <ballast/boot_mem_map.h>
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

/* A range in a block that came up absent: PoD entries to give back by pfn. */
static int adopt_absent(unsigned long pfn, unsigned long nr, bool pod)
{
	if (!pod)
		return 0; /* no frames, no memmap: nothing to do until added */
	for (int i = 0; i < BALLOON_STRAY_MAX; i++) {
		struct balloon_stray *r = &balloon.pod_absent[i];

		if (r->nr && r->pfn + r->nr == pfn) {
			r->nr += nr;
			return 0;
		}
		if (!r->nr) {
			r->pfn = pfn;
			r->nr = nr;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool section_absent(unsigned long nr)
{
	struct section_info si;

	return !mm_section_info(nr, &si) && si.state == SECTION_ABSENT;
}

/* [pfn, end) of an absent block is RAM in the boot map: it can be added. */
static int check_absent(unsigned long pfn, unsigned long end)
{
	return bootmem_ram_pages(pfn, end) == end - pfn ? 0 : -EINVAL;
}

static void adopt_present(unsigned long pfn, unsigned long end, bool pod)
{
	balloon.ballooned += end - pfn;
	while (pfn < end) {
		bool run = !(pfn & (BALLOON_HUGE_PAGES - 1)) &&
			   end - pfn >= BALLOON_HUGE_PAGES;

		if (pod && run)
			bl_push_huge(&balloon.pend_huge, pfn);
		else if (pod)
			bl_push(&balloon.pend_small, pfn);
		else if (run)
			bal_keep_run(pfn);
		else
			bal_keep_pages(pfn, 1);
		pfn += run ? BALLOON_HUGE_PAGES : 1;
	}
}

/*
 * Section by section: parts in blocks with a memmap are adopted page by
 * page, parts in blocks that came up absent are only remembered.
 */
int balloon_adopt(unsigned long pfn, unsigned long nr, enum balloon_adopt how)
{
	bool pod = how == BALLOON_ADOPT_POD;
	unsigned long end = pfn + nr;
	int err = 0;

	if (!nr || end < pfn || (how != BALLOON_ADOPT_UNBACKED && !pod) ||
	    !balloon.blocks)
		return -EINVAL;
	/* Check every part first: a refusal changes nothing. */
	for (unsigned long p = pfn, e; p < end && !err; p = e) {
		unsigned long s = pfn_to_section_nr(p);

		e = MIN(end, section_nr_to_pfn(s + 1));
		err = section_absent(s) ? check_absent(p, e) :
					  check_adoptable(p, e - p);
	}
	while (pfn < end && !err) {
		unsigned long s = pfn_to_section_nr(pfn);
		unsigned long e = MIN(end, section_nr_to_pfn(s + 1));

		if (section_absent(s))
			err = adopt_absent(pfn, e - pfn, pod);
		else
			adopt_present(pfn, e, pod);
		pfn = e;
	}
	if (pod && balloon.kick)
		balloon.kick();
	return err;
}

/* Pending runs the host took become plain ballooned runs; the rest wait. */
static enum balloon_reason release_pending_huge(void)
{
	enum balloon_reason why = BALLOON_OK;
	unsigned long runs = (unsigned long)MIN(balloon.pend_huge.nr,
						(u64)BALLOON_BATCH);
	unsigned long i, done;

	for (i = 0; i < runs; i++)
		balloon.pfns[i] = bl_pop(&balloon.pend_huge);
	done = balloon_decrease(runs, BALLOON_HUGE_ORDER, &why);
	for (i = 0; i < done; i++)
		bal_keep_run(balloon.pfns[i]);
	for (; i < runs; i++)
		bl_push_run(&balloon.pend_small, balloon.pfns[i],
			    BALLOON_HUGE_PAGES);
	balloon.pages_down += (u64)done * BALLOON_HUGE_PAGES;
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
	unsigned long i, done;

	for (i = 0; i < n; i++)
		balloon.pfns[i] = bl_pop(&balloon.pend_small);
	done = balloon_decrease(n, 0, &why);
	for (i = 0; i < done; i++)
		bal_keep_pages(balloon.pfns[i], 1);
	for (; i < n; i++)
		bl_push(&balloon.pend_small, balloon.pfns[i]);
	balloon.pages_down += done;
	if (done < n && why == BALLOON_OK)
		why = BALLOON_HOST_REFUSED;
	return why;
}

/* PoD entries in blocks left absent: 2 MiB extents where aligned. */
static enum balloon_reason release_pod_absent(void)
{
	struct balloon_stray *r = &balloon.pod_absent[0];
	enum balloon_reason why = BALLOON_OK;
	bool huge = !(r->pfn & (BALLOON_HUGE_PAGES - 1)) &&
		    r->nr >= BALLOON_HUGE_PAGES && !balloon.huge_down_refused;
	unsigned long per = huge ? BALLOON_HUGE_PAGES : 1, done;
	unsigned long n = MIN(huge ? r->nr / BALLOON_HUGE_PAGES :
			      MIN(r->nr, BALLOON_HUGE_PAGES - (r->pfn & (BALLOON_HUGE_PAGES - 1))),
			      (unsigned long)BALLOON_BATCH);

	for (unsigned long i = 0; i < n; i++)
		balloon.pfns[i] = r->pfn + i * per;
	done = balloon_decrease(n, huge ? BALLOON_HUGE_ORDER : 0, &why);
	balloon.pages_down += done * per;
	balloon.huge_down += huge ? done : 0;
	r->pfn += done * per;
	r->nr -= done * per;
	if (!r->nr)
		memmove(r, r + 1, sizeof(*r) * (BALLOON_STRAY_MAX - 1)),
			memset(&balloon.pod_absent[BALLOON_STRAY_MAX - 1], 0, sizeof(*r));
	if (done < n && why == BALLOON_OK) {
		if (huge)
			balloon.huge_down_refused = true;
		else
			why = BALLOON_HOST_REFUSED;
	}
	return why;
}

enum balloon_reason balloon_release_pending(void)
{
	if (balloon.pod_absent[0].nr)
		return release_pod_absent();
	if (balloon.pend_huge.nr && !balloon.huge_down_refused)
		return release_pending_huge();
	if (!balloon.pend_small.nr)
		bl_push_run(&balloon.pend_small, bl_pop(&balloon.pend_huge),
			    BALLOON_HUGE_PAGES);
	return release_pending_small();
}
