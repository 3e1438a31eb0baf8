/*
 * The order-0 cache (Linux's per-cpu pages, for the one CPU there is): a
 * stack of up to PCP_HIGH free order-0 pages in front of the buddy lists.
 * Through the buddy alone an order-0 alloc+free pair splits a block from
 * order 10 down and merges it back up each time (~205 instructions); from
 * the cache it is a pop and a push (pcp.h). Cached pages are PGTY_PCP: on
 * no free list, never allocated, counted in mm.free (so every free-page
 * count stays exact), and only ever in sections that are not isolated.
 *
 * They go back to the buddy lists (drained) where it matters:
 * - the cache is full: its PCP_BATCH oldest (pcp_free_slow);
 * - a section is isolated to go offline: its cached pages
 *   (buddy_isolate_section); frees into an isolated section bypass it;
 * - alloc_pages_at meets them: an order-0 page is taken from the cache,
 *   a larger range that failed gets its cached pages back and is tried
 *   once more (no whole drain: the balloon probes a block page by page);
 * - alloc_pages of order > 0 fails: all, and it tries once more, so an
 *   allocation fails only when no free block of that order could exist;
 * - the free page reporter's pass: all, so they merge into reportable
 *   blocks;
 * - drain_all_pages (tests that look at the buddy's own blocks).
 * Empty, it takes PCP_BATCH pages, the smallest free blocks first, and
 * hands them out in the buddy's own order (never a reported block:
 * alloc_pages' slow path reclaims those).
 */
#include "pcp.h"

/* A cached page to the buddy lists; it stays counted free. */
static void to_buddy(unsigned long pfn)
{
	BUG_ON(pfn_to_page(pfn)->type != PGTY_PCP || pfn_section(pfn)->isolated);
	pfn_to_page(pfn)->type = PGTY_FREE;
	buddy_insert_free(pfn, 0);
}

/* Slot i leaves the stack; the ones above move down (the order stays). */
static void remove_at(unsigned int i)
{
	mm.pcp.count--;
	memmove(&mm.pcp.pfn[i], &mm.pcp.pfn[i + 1],
		(mm.pcp.count - i) * sizeof(mm.pcp.pfn[0]));
}

void pcp_free_slow(unsigned long pfn)
{
	if (pfn_section(pfn)->isolated) {
		buddy_free_block(pfn, 0);
		return;
	}
	/* Full: the oldest batch goes, the newest (the warmest) stay. */
	if (mm.pcp.count >= PCP_HIGH) {
		for (unsigned int i = 0; i < PCP_BATCH; i++)
			to_buddy(mm.pcp.pfn[i]);
		mm.pcp.count -= PCP_BATCH;
		memmove(&mm.pcp.pfn[0], &mm.pcp.pfn[PCP_BATCH],
			mm.pcp.count * sizeof(mm.pcp.pfn[0]));
	}
	pcp_add(pfn);
}

/* The largest k with 2^k <= n, n >= 1. */
static unsigned int order_within(unsigned long n)
{
	unsigned int k = 0;

	while ((2UL << k) <= n)
		k++;
	return k;
}

/* Slots [0, n) upside down. */
static void reverse(unsigned int n)
{
	for (unsigned int i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
		u32 t = mm.pcp.pfn[i];

		mm.pcp.pfn[i] = mm.pcp.pfn[j];
		mm.pcp.pfn[j] = t;
	}
}

/*
 * The cache is empty: up to PCP_BATCH pages, the smallest blocks first, so
 * that the pages go out in the order the buddy would have handed them out
 * (the smallest free block first, each from its lowest pfn up).
 */
bool pcp_refill(void)
{
	if (!mm.ready)
		return false;
	BUG_ON(mm.pcp.count);
	while (mm.pcp.count < PCP_BATCH) {
		unsigned int o = 0, keep;

		/* head == rep: empty, or nothing but reported blocks. */
		while (o <= MAX_ORDER && mm.area[o].head == mm.area[o].rep)
			o++;
		if (o > MAX_ORDER)
			break;
		unsigned long pfn = mm.area[o].head;

		keep = MIN(o, order_within(PCP_BATCH - mm.pcp.count));
		fl_del(&mm.area[o], pfn);
		expand(pfn, o, pfn, keep, false);
		for (unsigned long i = 0; i < 1UL << keep; i++) {
			*pfn_to_page(pfn + i) = pcp_page;
			mm.pcp.pfn[mm.pcp.count++] = (u32)(pfn + i);
		}
	}
	/* The first page taken on top. */
	reverse(mm.pcp.count);
	return mm.pcp.count != 0;
}

unsigned int pcp_drain_range(unsigned long pfn, unsigned long end)
{
	unsigned int i = 0, n = 0;

	while (i < mm.pcp.count) {
		unsigned long x = mm.pcp.pfn[i];

		if (x < pfn || x >= end) {
			i++;
			continue;
		}
		remove_at(i);
		to_buddy(x);
		n++;
	}
	return n;
}

struct page *pcp_take(unsigned long pfn)
{
	for (unsigned int i = 0; i < mm.pcp.count; i++) {
		if (mm.pcp.pfn[i] != pfn)
			continue;
		remove_at(i);
		return pcp_hand_out(pfn);
	}
	panic("pcp: pfn %#lx is PGTY_PCP but not in the order-0 cache", pfn);
}

void drain_all_pages(void)
{
	pcp_drain_range(0, ~0UL);
}
