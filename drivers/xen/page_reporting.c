/*
 * Free page reporting to Xen: the allocator's reported free blocks go back
 * to Xen with XENMEM_decrease_reservation, and come back with
 * XENMEM_populate_physmap before the allocator hands one out (reclaim).
 * The device is synchronous: report() has given the frames back (or undone
 * what it gave) when it calls page_reporting_done(), so nothing is ever in
 * flight and drain() has nothing to wait for.
 *
 * Extents: a 2 MiB-aligned 2 MiB run goes as one order-9 extent (what the
 * host prefers: its superpages stay whole), falling back to 512 order-0
 * extents when Xen refuses it (PV: the run is not machine-contiguous).
 * reservation.c unmaps (PV) before releasing and maps after populating.
 *
 * Pages are scrubbed before release: Xen does not scrub, and a released
 * frame may go to another domain. While reported, a block has no frames
 * and nothing here touches it. Populated frames hold whatever Xen left
 * there: a reclaimed block is mm's to poison again (it does, for the parts
 * it keeps free, and skips the check on the part it hands out); a batch
 * undone goes back as plain free memory, so it is poisoned here.
 *
 * Accounting (include/ballast/xen/page_reporting.h): `given_back` is the
 * pages whose frames Xen holds because of reporting; the Xen backend adds
 * them to tot_pages for the balloon core.
 */
#include <ballast/arch_mm.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/page_reporting.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/xen/page_reporting.h>
#include <ballast/xen/reservation.h>

#define HUGE_ORDER XEN_MAX_EXTENT_ORDER
#define HUGE_PAGES (1UL << HUGE_ORDER)

static struct xen_reporting_stats xr;
static unsigned long pfns[HUGE_PAGES]; /* one call's extent list */
static bool xr_failing; /* the last reclaim failed */

static void fill(unsigned long pfn, unsigned long n, int byte)
{
	memset(phys_to_virt(PFN_PHYS(pfn)), byte, n * PAGE_SIZE);
}

/*
 * [pfn, pfn + n), n <= 2 MiB and naturally aligned: one call of order 9
 * when it is a whole 2 MiB run and Xen takes it, else order 0. Returns the
 * pages done from pfn on (a short count: Xen stopped there).
 */
static unsigned long chunk_op(long (*op)(const unsigned long *, unsigned long, unsigned),
			      unsigned long pfn, unsigned long n)
{
	long done;

	if (n == HUGE_PAGES) {
		pfns[0] = pfn;
		if (op(pfns, 1, HUGE_ORDER) == 1) {
			xr.huge_extents += op == xen_decrease_reservation;
			return n;
		}
	}
	for (unsigned long i = 0; i < n; i++)
		pfns[i] = pfn + i;
	done = op(pfns, n, 0);
	if (done < 0)
		return 0;
	xr.small_extents += op == xen_decrease_reservation ? (u64)done : 0;
	return (unsigned long)done;
}

/* The same over [pfn, pfn + n) 2 MiB at a time; pages done from pfn on. */
static unsigned long range_op(long (*op)(const unsigned long *, unsigned long, unsigned),
			      unsigned long pfn, unsigned long n)
{
	unsigned long done = 0;

	while (done < n) {
		unsigned long k = MIN(n - done, HUGE_PAGES);
		unsigned long got = chunk_op(op, pfn + done, k);

		done += got;
		if (got < k)
			break;
	}
	return done;
}

static unsigned long give_back(unsigned long pfn, unsigned long n)
{
	unsigned long got = range_op(xen_decrease_reservation, pfn, n);

	xr.given_back += got;
	return got;
}

static unsigned long take_back(unsigned long pfn, unsigned long n)
{
	unsigned long got = range_op(xen_populate_physmap, pfn, n);

	BUG_ON(got > xr.given_back);
	xr.given_back -= got;
	return got;
}

/* Pages of [pfn, pfn + n) given back again; those Xen keeps refusing
 * are in no known state (counted). */
static void give_back_all(unsigned long pfn, unsigned long n)
{
	unsigned long done = n ? give_back(pfn, n) : 0;

	if (done < n) {
		pr_err("xen reporting: pfn %#lx: %lu pages in no known state "
		       "(Xen refused to take them and to give them back)\n",
		       pfn + done, n - done);
		xr.lost += n - done;
	}
}

/*
 * Xen stopped inside block `failed` of n after `got` pages: blocks before
 * it are gone whole, blocks after it untouched. Take every frame back, so
 * the batch returns to the allocator unreported and as it expects it
 * (poisoned, or zeroed by the scrub). false: Xen had no memory for some of
 * them; then the whole batch stays reported, so every block of it must be
 * without frames (a backed block marked reported would be populated twice
 * on its reclaim, the old frame lost to the domain): what was taken back
 * goes back again, and so does what Xen never took (scrubbed first).
 */
static bool undo(const struct reported_block *b, unsigned int n,
		 unsigned int failed, unsigned long got)
{
	unsigned long back[REPORTING_CAPACITY_MAX];
	bool ok = true;

	BUG_ON(n > REPORTING_CAPACITY_MAX || failed >= n);
	for (unsigned int i = 0; i <= failed; i++) {
		unsigned long want = i < failed ? 1UL << b[i].order : got;

		back[i] = take_back(b[i].pfn, want);
		ok = ok && back[i] == want;
	}
	if (ok) {
		for (unsigned int i = 0; page_poisoning && i <= failed; i++)
			fill(b[i].pfn, 1UL << b[i].order, PAGE_POISON);
		return true;
	}
	for (unsigned int i = 0; i < n; i++) {
		unsigned long pages = 1UL << b[i].order;

		if (i < failed) {
			give_back_all(b[i].pfn, back[i]);
		} else if (i == failed) {
			give_back_all(b[i].pfn, back[i]);
			give_back_all(b[i].pfn + got, pages - got);
		} else {
			fill(b[i].pfn, pages, 0);
			give_back_all(b[i].pfn, pages);
		}
	}
	return false;
}

static int xr_report(struct page_reporting_dev *dev,
		     const struct reported_block *b, unsigned int n)
{
	u64 t0 = clock_ns();
	unsigned int i;
	unsigned long got = 0, pages = 0;

	for (i = 0; i < n; i++) {
		pages = 1UL << b[i].order;
		fill(b[i].pfn, pages, 0); /* the scrub: Xen hands frames on */
		got = give_back(b[i].pfn, pages);
		if (got < pages)
			break;
	}
	if (i < n) {
		pr_warn("xen reporting: Xen took %lu of %lu pages at pfn %#lx: batch undone\n",
			got, pages, b[i].pfn);
		xr.refused++;
		/* Frames Xen could not give back again must stay reported: the
		 * block is not backed, the allocator must reclaim it first. */
		page_reporting_done(dev, !undo(b, n, i, got));
	} else {
		for (i = 0; i < n; i++)
			xr.pages += 1UL << b[i].order;
		xr.blocks += n;
		page_reporting_done(dev, true);
	}
	xr.report_ns += clock_ns() - t0;
	return 0;
}

static int xr_drain(struct page_reporting_dev *dev)
{
	return 0; /* synchronous: report() never returns with a batch out */
}

/* The domain's maximum allows n more pages (or Xen does not say). */
static bool room_for(unsigned long n)
{
	long cur = xen_current_reservation(), max = xen_maximum_reservation();

	return cur < 0 || max < 0 || (u64)cur + n <= (u64)max;
}

static int xr_reclaim(struct page_reporting_dev *dev, unsigned long pfn,
		      unsigned int order)
{
	unsigned long n = 1UL << order, got;
	u64 t0 = clock_ns();
	int err = 0;

	/* At the domain's maximum Xen refuses (and logs each try): ask first.
	 * Normal while the balloon grabs reported blocks for a decrease
	 * (they are reclaimed before the batch goes back). */
	got = room_for(n) ? take_back(pfn, n) : 0;
	if (got < n) {
		/* Xen has no memory: the block goes on being reported whole;
		 * the fresh frames go back unscrubbed (nothing of ours). */
		unsigned long back = got ? give_back(pfn, got) : 0;

		if (back < got) {
			pr_err("xen reporting: pfn %#lx: %lu populated pages could not be given back\n",
			       pfn + back, got - back);
			xr.lost += got - back;
		}
		/* Once per run of failures: the allocator may try every block. */
		if (!xr_failing)
			pr_warn("xen reporting: Xen has no memory to back pfn %#lx again: "
				"the allocator takes another block\n", pfn);
		xr_failing = true;
		xr.reclaim_failed++;
		err = -ENOMEM;
	} else {
		xr_failing = false;
		xr.reclaims++;
		xr.reclaimed += n;
	}
	xr.reclaim_ns += clock_ns() - t0;
	return err;
}

static struct page_reporting_dev xr_dev = {
	.name = "xen",
	.capacity = REPORTING_CAPACITY_MAX,
	.report = xr_report,
	.drain = xr_drain,
	.reclaim = xr_reclaim,
};

int xen_reporting_start(void)
{
	int err;

	if (xr.on)
		return 0;
	err = page_reporting_register(&xr_dev);
	if (!err)
		xr.on = true;
	return err;
}

/*
 * Off: mm reclaims every reported block. Refused while the domain's
 * maximum leaves no room for them all (the balloon above its target, a
 * lowered max_pages): a block Xen cannot back again would be lost to the
 * guest (mm keeps it offline). Xen may still lack free memory: that is
 * mm's case.
 */
int xen_reporting_stop(void)
{
	long cur = xen_current_reservation(), max = xen_maximum_reservation();

	if (!xr.on)
		return 0;
	if (cur < 0 || max < 0)
		return cur < 0 ? (int)cur : (int)max;
	if ((u64)(max > cur ? max - cur : 0) < xr.given_back) {
		pr_warn("xen reporting: %llu KiB reported, the domain may grow by %lld KiB: "
			"reporting stays on\n", (unsigned long long)xr.given_back * 4,
			(long long)(max > cur ? max - cur : 0) * 4);
		return -ENOSPC;
	}
	page_reporting_unregister(&xr_dev);
	xr.on = false;
	return 0;
}

bool xen_reporting_on(void)
{
	return xr.on;
}

u64 xen_reporting_host_current(u64 tot_pages)
{
	return tot_pages + xr.given_back;
}

void xen_reporting_get_stats(struct xen_reporting_stats *st)
{
	*st = xr;
}

static unsigned long long kib(u64 pages)
{
	return (unsigned long long)pages * (PAGE_SIZE / KiB);
}

void xen_reporting_show(u64 tot_pages)
{
	printk("reporting:   %s (xen): %llu KiB of the guest's free memory reported to the host"
	       " (the host holds %llu KiB)\n", xr.on ? "on" : "off",
	       kib(xr.given_back), kib(tot_pages));
	if (!xr.blocks && !xr.reclaims && !xr.reclaim_failed)
		return;
	printk("reported:    %llu KiB in %llu blocks since boot (2 MiB extents %llu, 4 KiB %llu,"
	       " %llu batches undone), %llu ms\n",
	       kib(xr.pages), (unsigned long long)xr.blocks,
	       (unsigned long long)xr.huge_extents, (unsigned long long)xr.small_extents,
	       (unsigned long long)xr.refused, (unsigned long long)(xr.report_ns / 1000000));
	printk("reclaimed:   %llu KiB in %llu blocks, %llu reclaims Xen had no memory for, %llu ms\n",
	       kib(xr.reclaimed), (unsigned long long)xr.reclaims,
	       (unsigned long long)xr.reclaim_failed,
	       (unsigned long long)(xr.reclaim_ns / 1000000));
	if (xr.lost)
		printk("lost:        %llu KiB in no known state after Xen failed twice\n",
		       kib(xr.lost));
}

#ifdef BALLAST_HOST
/* After mm's reset, which forgets the registered device. */
void xen_reporting_reset_for_test(void)
{
	memset(&xr, 0, sizeof(xr));
	xr_failing = false;
}
#endif
