/*
 * The order-0 cache (mm/pcp.c): refill and overflow in batches, LIFO,
 * exact free counts, refcounts, and the drains that matter (offline,
 * alloc_pages_at, a larger allocation failing, the reporter's pass).
 */
#include "unit.h"
#include "sim_mm.h"
#include "sim_platform.h"
#include "sim_reporting.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/timer.h>

/* The counters as they are: the cache not drained (mmt_stats drains). */
static struct mm_stats now(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st;
}

/* free is every buddy block plus the cache, exactly. */
static void check_free_exact(void)
{
	struct mm_stats st = now();
	u64 n = st.pcp;

	for (int o = 0; o < NR_ORDERS; o++)
		n += st.free_blocks[o] << o;
	CHECK_EQ(n, st.free);
	CHECK(st.pcp <= PCP_HIGH);
	CHECK_EQ(mm_check_consistency(), 0);
}

/* Cached pages in the memmap of the boot blocks and block 2. */
static unsigned long cached_pages(void)
{
	unsigned long n = 0;

	for (unsigned long pfn = 0; pfn < 3 * NPS; pfn++) {
		struct section_info si;

		if (pfn % NPS == 0 && (mm_section_info(pfn / NPS, &si) ||
				       si.state == SECTION_ABSENT)) {
			pfn += NPS - 1;
			continue;
		}
		n += PagePcp(pfn_to_page(pfn));
	}
	return n;
}

TEST(mm_pcp_refill_takes_a_batch)
{
	static struct page *p[2 * PCP_BATCH + 1];

	mmt_boot();
	struct mm_stats a = now();

	CHECK_EQ(a.pcp, 0);
	for (int i = 0; i <= 2 * PCP_BATCH; i++) {
		p[i] = alloc_pages(0);
		CHECK(p[i]);
		CHECK(PageAllocated(p[i]));
		CHECK_EQ(page_count(p[i]), 1);
		CHECK_EQ(p[i]->order, 0);
		CHECK_EQ(p[i]->flags, PG_head);
		CHECK_EQ(p[i]->private, 0);
		/* One refill of PCP_BATCH per PCP_BATCH allocations. */
		CHECK_EQ(now().pcp, PCP_BATCH - 1 - i % PCP_BATCH);
		CHECK_EQ(now().free, a.free - i - 1);
		CHECK_EQ(cached_pages(), now().pcp);
	}
	check_free_exact();
	for (int i = 0; i <= 2 * PCP_BATCH; i++)
		free_pages(p[i], 0);
	CHECK_EQ(now().free, a.free);
	check_free_exact();
	struct mm_stats b = mmt_stats(); /* drained: the same blocks again */

	CHECK_EQ(b.pcp, 0);
	CHECK_STATS_EQ(a, b);
}

TEST(mm_pcp_full_gives_its_oldest_batch_back)
{
	static struct page *p[PCP_HIGH + 1];

	mmt_boot();
	for (int i = 0; i <= PCP_HIGH; i++)
		CHECK((p[i] = alloc_pages(0)));
	drain_all_pages();
	CHECK_EQ(now().pcp, 0);
	for (int i = 0; i < PCP_HIGH; i++) {
		free_pages(p[i], 0);
		CHECK(PagePcp(p[i]));
		CHECK_EQ(now().pcp, i + 1);
	}
	free_pages(p[PCP_HIGH], 0);
	CHECK_EQ(now().pcp, PCP_HIGH - PCP_BATCH + 1);
	for (int i = 0; i < PCP_BATCH; i++)
		CHECK(!PagePcp(p[i]) && PageFree(p[i]));
	for (int i = PCP_BATCH; i <= PCP_HIGH; i++)
		CHECK(PagePcp(p[i]));
	check_free_exact();
	/* LIFO: the newest come back first. */
	for (int i = PCP_HIGH; i >= PCP_BATCH; i--)
		CHECK(alloc_pages(0) == p[i]);
}

TEST(mm_pcp_page_never_cached_and_on_a_free_list)
{
	mmt_boot();
	struct page *p = alloc_pages(0), *q = alloc_pages(0);

	free_pages(p, 0);
	free_pages(q, 0);
	CHECK(PagePcp(p) && !PageBuddy(p));
	CHECK(PageFree(p)); /* free memory, for whoever asks (virtio-mem) */
	CHECK_EQ(page_count(p), 0);
	CHECK_STR(page_type_name(p), "pcp");
	check_free_exact();
	/* The consistency check catches a cached page that is not blank, or
	 * one that is on a list or allocated while the cache names it. */
	p->refcount = 1;
	unit_log_clear();
	CHECK_EQ(mm_check_consistency(), -EIO);
	CHECK(strstr(unit_log(), "cached page"));
	p->refcount = 0;
	p->type = PGTY_ALLOC;
	CHECK_EQ(mm_check_consistency(), -EIO);
	p->type = PGTY_BUDDY;
	CHECK_EQ(mm_check_consistency(), -EIO);
	p->type = PGTY_PCP;
	CHECK_EQ(mm_check_consistency(), 0);
	drain_all_pages();
	CHECK(!PagePcp(p) && !PagePcp(q));
	CHECK_EQ(now().pcp, 0);
	check_free_exact();
}

TEST(mm_pcp_refcounts)
{
	mmt_boot();
	struct page *p = alloc_pages(0);
	u64 f = now().free;

	get_page(p);
	free_pages(p, 0); /* not the last reference: stays allocated */
	CHECK(PageAllocated(p));
	CHECK_EQ(page_count(p), 1);
	CHECK_EQ(now().free, f);
	get_page(p);
	put_page(p);
	CHECK(PageAllocated(p));
	put_page(p);
	CHECK(PagePcp(p));
	CHECK_EQ(now().free, f + 1);
	/* A page-table page goes through the checks, and is counted. */
	phys_addr_t pt = arch_pgtable_alloc();
	struct page *t = pfn_to_page(PFN_DOWN(pt));

	CHECK(pt && (t->flags & PG_pgtable));
	CHECK_EQ(now().pgtable, 1);
	arch_pgtable_free(pt);
	CHECK(PagePcp(t));
	CHECK_EQ(t->flags, 0);
	CHECK_EQ(now().pgtable, 0);
	check_free_exact();
	/* Freed with the wrong order, or twice: caught. */
	unit_expect_panic();
	free_pages(p, 0);
}

TEST(mm_pcp_wrong_order_caught)
{
	mmt_boot();
	struct page *p = alloc_pages(0);

	unit_expect_panic();
	free_pages(p, 1);
}

/* Offlining a block gives its cached pages back first. */
TEST(mm_pcp_drained_when_its_block_goes_offline)
{
	mmt_boot();
	struct page *o = alloc_pages(0); /* a boot block's: stays cached */

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	struct page *p = alloc_pages_at(B2PFN + 5, 0);

	CHECK(p && o);
	CHECK(pfn_to_section_nr(page_to_pfn(o)) != 2);
	free_pages(o, 0);
	free_pages(p, 0);
	CHECK(PagePcp(p) && PagePcp(o));
	u64 cached = now().pcp;

	CHECK_EQ(offline_memory_block(2), 0);
	CHECK(PageOffline(p));
	CHECK(PagePcp(o));
	CHECK_EQ(now().pcp, cached - 1);
	check_free_exact();
	CHECK_EQ(online_memory_block(2), 0);
	CHECK(!PagePcp(p) && PageFree(p));
	check_free_exact();
}

/* A free while the block is isolated (a notifier letting go of a page)
 * goes to the isolated lists, not the cache. */
static struct page *held_in_b2;

static int free_on_going_offline(struct notifier_block *nb, unsigned long action,
				 void *data)
{
	if (action != MEM_GOING_OFFLINE || !held_in_b2)
		return NOTIFY_OK;
	u64 iso = now().isolated_free, cached = now().pcp;

	free_pages(held_in_b2, 0);
	CHECK(!PagePcp(held_in_b2));
	CHECK_EQ(now().isolated_free, iso + 1);
	CHECK_EQ(now().pcp, cached);
	CHECK_EQ(mm_check_consistency(), 0);
	held_in_b2 = NULL;
	return NOTIFY_OK;
}

TEST(mm_pcp_bypassed_while_a_block_is_isolated)
{
	struct notifier_block nb = { .notifier_call = free_on_going_offline };

	mmt_boot();
	struct page *o = alloc_pages(0); /* a boot block's */

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(register_memory_notifier(&nb), 0);
	held_in_b2 = alloc_pages_at(B2PFN + 77, 0);
	CHECK(held_in_b2);

	CHECK_EQ(offline_memory_block(2), 0);
	CHECK(held_in_b2 == NULL);
	CHECK(PageOffline(pfn_to_page(B2PFN + 77)));
	/* Isolation over: the cache works again. */
	free_pages(o, 0);
	CHECK(PagePcp(o));
	check_free_exact();
	CHECK_EQ(unregister_memory_notifier(&nb), 0);
}

TEST(mm_pcp_alloc_pages_at_takes_from_the_cache)
{
	mmt_boot();
	/* The last 4 MiB of block 1: free at boot, one MAX_ORDER block. */
	unsigned long r = 2 * NPS - MAX_ORDER_NR_PAGES;
	struct page *p = alloc_pages_at(r + 7, 0), *q = alloc_pages_at(r + 600, 0);
	struct page *far = alloc_pages_at(r - 1, 0);

	CHECK(p && q && far);
	free_pages(p, 0);
	free_pages(q, 0);
	free_pages(far, 0);
	u64 cached = now().pcp, f = now().free;

	/* Order 0: straight from the cache. */
	CHECK(alloc_pages_at(r + 7, 0) == p);
	CHECK(PageAllocated(p));
	CHECK_EQ(now().pcp, cached - 1);
	CHECK_EQ(now().free, f - 1);
	free_pages(p, 0);
	/* A 2 MiB range with a cached page: only its cached pages drained. */
	struct page *b = alloc_pages_at(r, 9);

	CHECK(b == pfn_to_page(r));
	CHECK(PagePcp(q) && PagePcp(far));
	CHECK_EQ(now().pcp, cached - 1);
	check_free_exact();
	/* A range with an allocated page fails and leaves the cache alone. */
	CHECK(alloc_pages_at(r, 9) == NULL);
	CHECK_EQ(now().pcp, cached - 1);
	free_pages(b, 9);
	check_free_exact();
}

/* Exhausted memory: two cached buddies still make an order-1 block. */
TEST(mm_pcp_drained_when_a_larger_allocation_would_fail)
{
	static u32 pfns[4 * NPS];
	unsigned long n = 0, k;
	struct page *p;

	sim_mm_boot_default();
	page_poisoning = false; /* speed */
	while ((p = alloc_pages(0))) {
		CHECK(n < 4 * NPS);
		pfns[n++] = (u32)page_to_pfn(p);
	}
	CHECK_EQ(now().free, 0);
	CHECK_EQ(now().pcp, 0);
	/* Two buddies back (they wait in the cache), then order 1. */
	for (k = 0; k < n && (pfns[k] & 1); k++)
		;
	CHECK(k < n);
	struct page *pair = pfn_to_page(pfns[k]);

	CHECK(PageAllocated(pair + 1));
	free_pages(pair, 0);
	free_pages(pair + 1, 0);
	CHECK_EQ(now().pcp, 2);
	CHECK(alloc_pages(1) == pair);
	CHECK_EQ(now().pcp, 0);
	CHECK(alloc_pages(0) == NULL);
	check_free_exact();
	free_pages(pair, 1);
	for (unsigned long i = 0; i < n; i++)
		if (pfns[i] != pfns[k] && pfns[i] != pfns[k] + 1)
			free_pages(pfn_to_page(pfns[i]), 0);
	check_free_exact();
	CHECK_EQ(mmt_stats().free, mmt_stats().managed);
}

/* The reporter's pass gives the cache back, so its pages can merge. */
TEST(mm_pcp_drained_by_the_reporting_pass)
{
	static struct sim_rep sr;

	sim_platform_reset();
	mmt_boot();
	sim_rep_init(&sr, REPORTING_CAPACITY_MAX, false);
	CHECK_EQ(page_reporting_register(&sr.dev), 0);
	struct page *p = alloc_pages(0);

	free_pages(p, 0);
	CHECK(now().pcp > 0);
	sim_rep_run_for(REPORTING_DELAY_NS + 10 * NSEC_PER_MSEC);
	CHECK_EQ(now().pcp, 0);
	CHECK(!PagePcp(p));
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_STR(sim_rep_check(), "");
	page_reporting_unregister(&sr.dev);
}
