/* What the balloon tells the `balloon` command, and its self-check. */
#include "internal.h"

void balloon_times_now(struct balloon_times *t)
{
	*t = balloon.t;
	t->batches = balloon.runs;
	if (balloon.be && balloon.be->host_calls)
		balloon.be->host_calls(t->host);
}

void balloon_times_sub(struct balloon_times *t, const struct balloon_times *from)
{
	t->add_ns -= from->add_ns;
	t->populate_ns -= from->populate_ns;
	t->remove_ns -= from->remove_ns;
	t->decrease_ns -= from->decrease_ns;
	t->scrub_ns -= from->scrub_ns;
	t->work_ns -= from->work_ns;
	t->batches -= from->batches;
	for (int i = 0; i < BALLOON_HOST_KINDS; i++) {
		t->host[i].calls -= from->host[i].calls;
		t->host[i].ns -= from->host[i].ns;
	}
}

void balloon_get_stats(struct balloon_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->state = balloon.state;
	st->target = balloon.target;
	st->requested = balloon.requested;
	st->clamp = balloon.clamp;
	st->current = balloon_current();
	st->host_limit = balloon_host_pages(&st->host_current, &st->host_max);
	st->ballooned = balloon.ballooned;
	st->ballooned_huge = balloon.nr_huge * BALLOON_HUGE_PAGES;
	st->pending = balloon.pend_small.nr +
		      balloon.pend_huge.nr * BALLOON_HUGE_PAGES;
	st->ballooned_online = balloon.ballooned - st->pending;
	for (int i = 0; i < BALLOON_STRAY_MAX; i++) {
		st->pending += balloon.pod_absent[i].nr;
		st->stray += balloon.stray[i].nr;
	}
	st->blocks_added = balloon.blocks_added;
	st->blocks_removed = balloon.blocks_removed;
	for (unsigned long nr = 0; nr < balloon.nr_blocks; nr++)
		st->blocks_now += balloon.blocks[nr].seq != 0;
	balloon_times_now(&st->total);
	st->scrub_pages = balloon.scrub_pages;
	st->scrub = balloon_scrubs();
	st->untold = balloon.untold;
	st->retries = balloon.retries;
	st->retry_at_ns = balloon.state == BALLOON_WAITING ? balloon.retry_at : 0;
	st->shortfall = balloon.shortfall;
	st->reason = balloon.reason;
	st->target_set = balloon.target_set;
	st->pages_up = balloon.pages_up;
	st->last_took_ns = balloon.last_took_ns;
	st->last = balloon.last;
	st->next_run_ns = balloon.next_run;
	st->rearmed = balloon.rearmed;
	st->runs = balloon.runs;
	st->targets = balloon.targets;
	st->last_run_ns = balloon.last_run;
	st->pages_down = balloon.pages_down;
	st->calls = balloon.calls;
	st->huge_up = balloon.huge_up;
	st->huge_down = balloon.huge_down;
}

const char *balloon_state_name(enum balloon_state s)
{
	static const char *const names[] = { "done", "up", "down", "waiting", "settling" };

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const char *balloon_reason_name(enum balloon_reason r)
{
	static const char *const names[] = {
		"ok",
		"no free memory in the guest",
		"the host took fewer frames than asked",
		"the host is out of memory",
		"the host's maximum reservation is reached",
		"no ballooned pages to bring back",
		"the backend call failed",
		"adding a memory block failed",
	};

	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

const char *balloon_clamp_name(enum balloon_clamp c)
{
	static const char *const names[] = {
		"none",
		"above the host's maximum reservation",
		"above the memory blocks the guest can add",
		"below the minimum",
	};

	return (unsigned)c < ARRAY_SIZE(names) ? names[c] : "?";
}

#define FAIL(...)                                                            \
	do {                                                                 \
		pr_err("balloon check: " __VA_ARGS__);                       \
		return -EIO;                                                 \
	} while (0)

static int check_page(unsigned long pfn, u64 tag, unsigned long low)
{
	const struct page *p = pfn_to_page(pfn);

	if (!PageOffline(p) || page_count(p) != 1)
		FAIL("pfn %#lx is %s refcount %u, not a ballooned page\n", pfn,
		     page_type_name(p), page_count(p));
	if ((p->private & ~BALLOON_PFN_MASK) != tag ||
	    (tag == BALLOON_TAG_TAIL && (p->private & BALLOON_PFN_MASK) != low))
		FAIL("pfn %#lx: bad link %#llx\n", pfn,
		     (unsigned long long)p->private);
	return 0;
}

/* Walk one list; each entry is one page or, when huge, one 2 MiB run. */
static int check_list(const struct balloon_list *l, bool huge, u64 *pages)
{
	unsigned long pfn = l->head;
	u64 n = 0;

	while (pfn != BALLOON_NO_PFN) {
		if (++n > l->nr)
			FAIL("list longer than its count %llu\n",
			     (unsigned long long)l->nr);
		if (check_page(pfn, BALLOON_TAG_LINK, 0))
			return -EIO;
		for (unsigned long i = 1; huge && i < BALLOON_HUGE_PAGES; i++)
			if (check_page(pfn + i, BALLOON_TAG_TAIL, pfn))
				return -EIO;
		if (huge && (pfn & (BALLOON_HUGE_PAGES - 1)))
			FAIL("2 MiB run at unaligned pfn %#lx\n", pfn);
		pfn = (unsigned long)(pfn_to_page(pfn)->private & BALLOON_PFN_MASK);
	}
	if (n != l->nr)
		FAIL("list has %llu entries, count says %llu\n",
		     (unsigned long long)n, (unsigned long long)l->nr);
	*pages += huge ? n * BALLOON_HUGE_PAGES : n;
	return 0;
}

/* The list's first entry lies in another block than nr. */
static bool other_block(const struct balloon_list *l, unsigned long nr)
{
	return l->head != BALLOON_NO_PFN && pfn_to_section_nr(l->head) != nr;
}

/* Every block's lists, and the block counts against the totals. */
static int check_blocks(u64 *pages)
{
	u64 small = 0, huge = 0;

	for (unsigned long nr = 0; nr < balloon.nr_blocks; nr++) {
		const struct balloon_block *b = &balloon.blocks[nr];
		u64 n = 0;

		if (check_list(&b->small, false, &n) || check_list(&b->huge, true, &n))
			return -EIO;
		if (n != b->pages)
			FAIL("block %lu lists hold %llu pages, its count says %llu\n",
			     nr, (unsigned long long)n, (unsigned long long)b->pages);
		if (other_block(&b->small, nr) || other_block(&b->huge, nr))
			FAIL("block %lu lists pfn %#lx of another block\n", nr,
			     other_block(&b->small, nr) ? b->small.head :
			     b->huge.head);
		if ((b->small.nr && nr < balloon.lo_small) ||
		    (b->huge.nr && nr < balloon.lo_huge))
			FAIL("block %lu has pages below the lowest-block hint\n", nr);
		small += b->small.nr;
		huge += b->huge.nr;
		*pages += n;
	}
	if (small != balloon.nr_small || huge != balloon.nr_huge)
		FAIL("blocks hold %llu pages and %llu runs, totals say %llu and %llu\n",
		     (unsigned long long)small, (unsigned long long)huge,
		     (unsigned long long)balloon.nr_small,
		     (unsigned long long)balloon.nr_huge);
	return 0;
}

int balloon_check_consistency(void)
{
	u64 pages = 0;

	if (check_blocks(&pages) ||
	    check_list(&balloon.pend_small, false, &pages) ||
	    check_list(&balloon.pend_huge, true, &pages))
		return -EIO;
	if (pages != balloon.ballooned)
		FAIL("lists hold %llu pages, ballooned says %llu\n",
		     (unsigned long long)pages,
		     (unsigned long long)balloon.ballooned);
	return 0;
}

#ifdef BALLAST_HOST
/* The host tests swap backends; a kernel's backend stays for good. */
void balloon_unregister_backend(void)
{
	balloon.be = NULL;
}

void balloon_reset_for_test(void)
{
	memset(&balloon, 0, sizeof(balloon));
	balloon.pend_small.head = balloon.pend_huge.head = BALLOON_NO_PFN;
	balloon.removing = balloon.adding = -1;
}
#endif
