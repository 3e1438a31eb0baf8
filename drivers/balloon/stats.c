/* What the balloon tells the `balloon` command, and its self-check. */
#include "internal.h"

void balloon_get_stats(struct balloon_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->state = balloon.state;
	st->target = balloon.target;
	st->requested = balloon.requested;
	st->clamp = balloon.clamp;
	st->current = balloon_current();
	if (balloon.be) {
		st->host_current = balloon.be->current_pages();
		st->host_max = balloon.be->max_pages();
	}
	st->ballooned = balloon.ballooned;
	st->ballooned_huge = balloon.huge.nr * BALLOON_HUGE_PAGES;
	st->pending = balloon.pend_small.nr +
		      balloon.pend_huge.nr * BALLOON_HUGE_PAGES;
	st->retries = balloon.retries;
	st->retry_at_ns = balloon.state == BALLOON_WAITING ? balloon.retry_at : 0;
	st->shortfall = balloon.shortfall;
	st->reason = balloon.reason;
	st->target_set = balloon.target_set;
	st->pages_up = balloon.pages_up;
	st->last_took_ns = balloon.last_took_ns;
	st->pages_down = balloon.pages_down;
	st->calls = balloon.calls;
	st->huge_up = balloon.huge_up;
	st->huge_down = balloon.huge_down;
}

const char *balloon_state_name(enum balloon_state s)
{
	static const char *const names[] = { "done", "up", "down", "waiting" };

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
	};

	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

const char *balloon_clamp_name(enum balloon_clamp c)
{
	static const char *const names[] = {
		"none",
		"above the host's maximum reservation",
		"above the guest's RAM (no hot-add yet)",
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

int balloon_check_consistency(void)
{
	u64 pages = 0;

	if (check_list(&balloon.small, false, &pages) ||
	    check_list(&balloon.huge, true, &pages) ||
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
void balloon_reset_for_test(void)
{
	memset(&balloon, 0, sizeof(balloon));
	balloon.small.head = balloon.huge.head = BALLOON_NO_PFN;
	balloon.pend_small.head = balloon.pend_huge.head = BALLOON_NO_PFN;
}
#endif
