/*
 * Free page reporting: see include/ballast/page_reporting.h. The allocator
 * side (PG_reported, the reported run at each free list's tail, blocks out
 * for a report, reclaim before reuse) is in page_reported.c and
 * page_alloc.c; this file is the device registration, the deferred worker,
 * the drain and the counters.
 *
 * Trigger: a free whose block ends at REPORTING_ORDER or above, unreported,
 * sets `pending` and, when no call is queued and no report is out, arms one
 * deferred call REPORTING_DELAY_NS later (a flag test on the free path;
 * defer_call itself, a clock read and a walk of the sorted deferred list,
 * runs once per armed pass, not once per free). The threshold is one such
 * block: a guest of a few GiB has few 2 MiB blocks, and the delay already
 * gathers the frees into batches. The worker does one batch per call and
 * re-arms itself at once (delay 0) while the walk stopped at capacity, so
 * other deferred work runs between batches; a pass that finds nothing arms
 * nothing, so an idle guest uses no CPU.
 *
 * The walk takes, per order from MAX_ORDER down, the unreported blocks
 * nearest the reported run (the oldest frees: frees go to the head), and
 * never visits a reported block. Isolated sections' blocks are on the iso
 * lists, which the walk never looks at.
 *
 * Decisions (the allocator's side is in page_reported.c):
 * - Out for a report: the head is PGTY_REPORTING, the block on no list.
 *   mm_get_stats counts it as free (it is the guest's free memory, back
 *   within a report's time); alloc_pages does not find it, alloc_pages_at
 *   and offline_pages drain first (page_reporting_drain), and fail only
 *   when the device does not give it back (-EBUSY, nothing changed).
 * - Split of a reported block by an allocation: without reclaim (virtio)
 *   the halves of REPORTING_ORDER and up stay reported, because the host
 *   still has them dropped; with reclaim (Xen) the whole block is reclaimed
 *   once first and every half is unreported (backed). A failed reclaim
 *   leaves the block reported and free; alloc_pages tries the next block
 *   and fails only when none is left, alloc_pages_at (an exact block)
 *   fails.
 * - Merge: reported with reported stays reported; reported with unreported
 *   is unreported without reclaim, and kept apart with reclaim (the free
 *   path never calls the hypervisor; the reporter merges them once it has
 *   reported the other half).
 * - Poisoning (DEBUG=1): a reported block may read as zeros (virtio: the
 *   host dropped it; Xen: new frames), so the part an allocation hands out
 *   is not checked, and the parts that stop being reported while free
 *   (split, merge, unregister, offline with reclaim) are poisoned again.
 *   Pages are never written while reported: that would make the host
 *   back them again.
 */
#include <ballast/page_reporting.h>
#include <ballast/timer.h>
#include "internal.h"

bool page_reporting_on, page_reporting_apart;
unsigned int page_reporting_min_order = NR_ORDERS;

static struct {
	struct page_reporting_dev *dev;
	struct reported_block batch[REPORTING_CAPACITY_MAX];
	unsigned int nbatch;   /* blocks out for a report; 0: none */
	bool in_report;        /* inside dev->report */
	bool draining;         /* inside dev->drain: no new batch */
	bool more;             /* the last walk stopped at capacity */
	bool pending;          /* freed since the last walk */
	struct deferred_call work;
	u64 reported_total, reports, refused, reclaims, reclaim_failed,
		drains, drain_ns, passes;
} pr;

static void page_reporting_work(void *arg);

static void arm(u64 delay)
{
	/* A queued call keeps its (earlier) deadline; delay 0 moves it up. */
	if (pr.work.queued && delay)
		return;
	defer_call(&pr.work, delay, page_reporting_work, NULL);
}

void page_reporting_notify_free(void)
{
	pr.pending = true;
	if (!pr.work.queued && !pr.nbatch)
		arm(REPORTING_DELAY_NS);
}

/*
 * After a batch came back: the next pass, if there is anything for it. A
 * refused batch waits the full delay (a device saying no at once must not
 * make the worker spin), whatever else is left.
 */
static void next_pass(bool refused)
{
	if (refused)
		defer_call(&pr.work, REPORTING_DELAY_NS, page_reporting_work, NULL);
	else if (pr.more)
		arm(0);
	else if (pr.pending)
		arm(REPORTING_DELAY_NS);
}

/* Up to the device's capacity of unreported blocks, out of the lists. */
static unsigned int take_batch(void)
{
	unsigned int n = 0, cap = pr.dev->capacity;

	pr.more = pr.pending = false;
	for (int o = MAX_ORDER; o >= REPORTING_ORDER && n < cap; o--) {
		struct free_list *fl = &mm.area[o];
		u32 pfn = fl->rep != PFN_NONE ? pfn_to_page(fl->rep)->lru.prev :
						fl->tail;

		while (pfn != PFN_NONE && n < cap) {
			u32 prev = pfn_to_page(pfn)->lru.prev;

			buddy_report_take(pfn);
			pr.batch[n].pfn = pfn;
			pr.batch[n].order = (unsigned int)o;
			n++;
			pfn = prev;
		}
	}
	pr.more = n == cap;
	pr.nbatch = n;
	return n;
}

/* The batch out comes back; ok: the host has it. */
static void put_back(bool ok)
{
	unsigned int n = pr.nbatch;

	pr.nbatch = 0;
	for (unsigned int i = 0; i < n; i++) {
		const struct reported_block *b = &pr.batch[i];

		if (ok)
			pr.reported_total += 1UL << b->order;
		/* A reported block merged with an unreported buddy: report
		 * the result on a later pass. */
		if (!buddy_report_return(b->pfn, ok))
			pr.pending = true;
	}
	if (!ok)
		pr.refused++;
}

static void page_reporting_work(void *arg)
{
	(void)arg;
	pr.passes++;
	if (!pr.dev || pr.nbatch)
		return; /* page_reporting_done arms the next pass */
	if (pr.draining) {
		pr.more = true; /* the drain arms it when it is over */
		return;
	}
	/* Cached order-0 pages may complete a block worth reporting. */
	drain_all_pages();
	unsigned int n = take_batch();

	if (!n)
		return;
	pr.reports++;
	pr.in_report = true;
	int ret = pr.dev->report(pr.dev, pr.batch, n);

	pr.in_report = false;
	if (ret < 0) {
		if (pr.nbatch)
			put_back(false);
		next_pass(true);
		return;
	}
	if (!pr.nbatch) /* done from inside report */
		next_pass(false);
}

void page_reporting_done(struct page_reporting_dev *dev, bool ok)
{
	if (!dev || dev != pr.dev || !pr.nbatch) {
		pr_err("page_reporting: %s finished a report it was not given\n",
		       dev && dev->name ? dev->name : "a device");
		return;
	}
	put_back(ok);
	if (!pr.in_report)
		next_pass(!ok);
}

static bool batch_overlaps(unsigned long pfn, unsigned long end)
{
	for (unsigned int i = 0; i < pr.nbatch; i++) {
		const struct reported_block *b = &pr.batch[i];

		if (b->pfn < end && pfn < b->pfn + (1UL << b->order))
			return true;
	}
	return false;
}

int page_reporting_drain(unsigned long pfn, unsigned long end)
{
	if (!pr.nbatch || !batch_overlaps(pfn, end))
		return 0;
	u64 t0 = clock_ns();

	pr.drains++;
	pr.draining = true;
	pr.dev->drain(pr.dev);
	pr.draining = false;
	pr.drain_ns += clock_ns() - t0;
	if (!pr.nbatch && pr.more)
		arm(0);
	if (pr.nbatch) {
		pr_warn("page_reporting: %s still holds a report of %u blocks: %#lx-%#lx stays busy\n",
			pr.dev->name, pr.nbatch, pfn, end - 1);
		return -EBUSY;
	}
	return 0;
}

int page_reporting_reclaim(unsigned long pfn, unsigned int order)
{
	if (!pr.dev || !pr.dev->reclaim)
		return 0;
	int ret = pr.dev->reclaim(pr.dev, pfn, order);

	if (ret) {
		pr.reclaim_failed++;
		return ret;
	}
	pr.reclaims++;
	return 0;
}

/*
 * Offlining [pfn, end), its sections isolated: with a reclaiming device
 * its reported blocks get their backing back first (an offline block's
 * pages are PageOffline, and onlining it again frees them as plain memory).
 * Without reclaim nothing to do: offlining clears PG_reported, and a page
 * the host dropped faults back in zeroed when touched.
 */
int page_reporting_prepare_offline(unsigned long pfn, unsigned long end)
{
	if (!page_reporting_apart)
		return 0;
	for (unsigned long i = pfn; i < end;) {
		struct page *p = pfn_to_page(i);
		unsigned long n = p->type == PGTY_BUDDY ? 1UL << p->order : 1;
		int ret;

		if (PageReported(p)) {
			ret = page_reporting_reclaim(i, p->order);
			if (ret) {
				pr_err("offline_pages: %s cannot back reported block %#lx again (%s)\n",
				       pr.dev->name, i, errno_name(ret));
				return ret;
			}
			buddy_unreport_block(i);
		}
		i += n;
	}
	return 0;
}

int page_reporting_register(struct page_reporting_dev *dev)
{
	if (pr.dev)
		return -EBUSY;
	if (!dev || !dev->report || !dev->drain || !dev->capacity ||
	    dev->capacity > REPORTING_CAPACITY_MAX)
		return -EINVAL;
	pr.dev = dev;
	page_reporting_on = true;
	page_reporting_min_order = REPORTING_ORDER;
	page_reporting_apart = dev->reclaim != NULL;
	/* What is free already is reported too, after the delay. */
	page_reporting_notify_free();
	pr_info("page_reporting: %s: free blocks of %lu KiB and up, %u per report%s\n",
		dev->name, (PAGE_SIZE << REPORTING_ORDER) >> 10, dev->capacity,
		dev->reclaim ? ", reclaimed before reuse" : "");
	return 0;
}

/*
 * A reported block whose reclaim fails as the device goes: it has no
 * backing and nobody can give it back, so it leaves the allocator as an
 * owned PageOffline run (like ballooned memory: never touched, offlining
 * its block is refused) rather than be handed out.
 */
static void keep_unbacked(unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;

	buddy_take_free_block(p);
	reset_pages(p, n, PGTY_OFFLINE);
	for (unsigned long i = 0; i < n; i++)
		p[i].refcount = 1;
	mm.managed -= n;
	mm.page_offline += n;
	pr_err("page_reporting: %#lx-%#lx has no backing and cannot get it back: kept offline\n",
	       pfn, pfn + n - 1);
}

static void unreport_list(struct free_list *fl)
{
	while (fl->rep != PFN_NONE) {
		unsigned long pfn = fl->rep;

		if (page_reporting_reclaim(pfn, pfn_to_page(pfn)->order))
			keep_unbacked(pfn);
		else
			buddy_unreport_block(pfn);
	}
}

void page_reporting_unregister(struct page_reporting_dev *dev)
{
	if (!dev || dev != pr.dev)
		return;
	if (pr.nbatch && page_reporting_drain(0, ~0UL)) {
		/* The device is going away: what it holds is not reported. */
		pr_err("page_reporting: %s gone with a report out: its %u blocks back unreported\n",
		       dev->name, pr.nbatch);
		put_back(false);
	}
	/* No new pass; reclaim keeps working (and the blocks kept apart)
	 * until the last reported block is plain again. */
	page_reporting_on = false;
	page_reporting_min_order = NR_ORDERS;
	defer_cancel(&pr.work);
	for (int o = REPORTING_ORDER; o <= MAX_ORDER; o++) {
		unreport_list(&mm.area[o]);
		unreport_list(&mm.iso[o]);
	}
	pr.dev = NULL;
	page_reporting_apart = false;
	pr.more = pr.pending = false;
}

void page_reporting_get_stats(struct page_reporting_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->active = pr.dev != NULL;
	st->device = pr.dev ? pr.dev->name : NULL;
	st->reported_now = mm.reported;
	st->out_now = mm.reporting;
	st->reported_total = pr.reported_total;
	st->reports = pr.reports;
	st->refused = pr.refused;
	st->reclaims = pr.reclaims;
	st->reclaim_failed = pr.reclaim_failed;
	st->drains = pr.drains;
	st->drain_ns = pr.drain_ns;
	st->passes = pr.passes;
}

#ifdef BALLAST_HOST
void page_reporting_reset_for_test(void)
{
	defer_cancel(&pr.work);
	memset(&pr, 0, sizeof(pr));
	page_reporting_on = page_reporting_apart = false;
	page_reporting_min_order = NR_ORDERS;
}
#endif
