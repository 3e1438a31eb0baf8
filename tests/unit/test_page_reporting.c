/*
 * Free page reporting (mm/page_reporting.c and its allocator hooks) against
 * the simulated device of sim_reporting.c: virtio-like (the host drops the
 * pages, they read as zeros) and Xen-like (the pages leave the direct map
 * until reclaimed).
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
#include <ballast/shell.h>
#include <ballast/timer.h>

#define DELAY REPORTING_DELAY_NS
#define MS NSEC_PER_MSEC

static struct sim_rep sr;

static struct page_reporting_stats prs(void)
{
	struct page_reporting_stats st;

	page_reporting_get_stats(&st);
	return st;
}

/* Free pages in blocks of REPORTING_ORDER and up (reported or not). */
static u64 big_free(void)
{
	struct mm_stats st = mmt_stats();
	u64 n = 0;

	for (int o = REPORTING_ORDER; o <= MAX_ORDER; o++)
		n += st.free_blocks[o] << o;
	return n;
}

static void boot_with(unsigned int cap, bool reclaim, enum sim_rep_mode mode)
{
	sim_platform_reset();
	mmt_boot();
	sim_rep_init(&sr, cap, reclaim);
	sr.mode = mode;
	CHECK_EQ(page_reporting_register(&sr.dev), 0);
}

/* As boot_with, with memory block 2 hot-added and online before the
 * device registers, and the sim's drain answering as drain_answers says. */
static void boot_block2(unsigned int cap, enum sim_rep_mode mode,
			bool drain_answers)
{
	sim_platform_reset();
	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, 0), 0);
	CHECK_EQ(online_memory_block(2), 0);
	sim_rep_init(&sr, cap, false);
	sr.mode = mode;
	sr.drain_answers = drain_answers;
	CHECK_EQ(page_reporting_register(&sr.dev), 0);
}

static void check_all(void)
{
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_STR(sim_rep_check(), "");
}

/* Everything free at REPORTING_ORDER and up reported. */
static void report_all(void)
{
	sim_rep_run_for(DELAY + 200 * MS);
	CHECK_EQ(prs().reported_now, big_free());
	CHECK(prs().reported_now > 0);
	check_all();
}

/* A reported free block of order o (the first by pfn). */
static unsigned long reported_block(unsigned int o)
{
	for (unsigned long pfn = 0; pfn < 2 * NPS; pfn += 1UL << o) {
		const struct page *p = pfn_to_page(pfn);

		if (PageReported(p) && p->order == o)
			return pfn;
	}
	unit_fail(__FILE__, __LINE__, "no reported block of order %u", o);
}

static bool all_poison(unsigned long pfn, unsigned long n)
{
	const u8 *b = phys_to_virt(PFN_PHYS(pfn));

	for (unsigned long i = 0; i < n * PAGE_SIZE; i++)
		if (b[i] != PAGE_POISON)
			return false;
	return true;
}

TEST(pr_register_checks_the_device)
{
	struct sim_rep bad;

	sim_platform_reset();
	mmt_boot();
	sim_rep_init(&bad, 0, false);
	CHECK_EQ(page_reporting_register(&bad.dev), -EINVAL);
	bad.dev.capacity = REPORTING_CAPACITY_MAX + 1;
	CHECK_EQ(page_reporting_register(&bad.dev), -EINVAL);
	bad.dev.capacity = 4;
	bad.dev.drain = NULL;
	CHECK_EQ(page_reporting_register(&bad.dev), -EINVAL);
	CHECK(!prs().active);
	sim_rep_init(&sr, 4, false);
	CHECK_EQ(page_reporting_register(&sr.dev), 0);
	sim_rep_init(&bad, 4, false);
	CHECK_EQ(page_reporting_register(&bad.dev), -EBUSY);
	CHECK(prs().active);
	CHECK_STR(prs().device, "sim-virtio");
}

TEST(pr_reports_after_the_delay_in_batches_of_capacity)
{
	boot_with(4, false, SIM_REP_ACK);
	u64 big = big_free();

	CHECK(big >= 32 << MAX_ORDER);
	sim_rep_run_for(DELAY - MS);
	CHECK_EQ(sr.reports, 0);
	CHECK_EQ(prs().passes, 0);
	sim_rep_run_for(MS);
	CHECK_EQ(sr.reports, 1);
	CHECK_EQ(sr.blocks, 4);
	/* One batch per call; the next runs at once, on the next pass. */
	sim_rep_run_for(MS);
	CHECK_EQ(sr.reports, 2);
	sim_rep_run_for(10 * DELAY);
	CHECK_EQ(sr.max_batch, 4);
	CHECK_EQ(prs().reported_now, big);
	CHECK_EQ(sr.pages, big);
	CHECK_EQ(prs().reported_total, big);
	CHECK_EQ(prs().reports, sr.reports);
	CHECK_EQ(prs().out_now, 0);
	check_all();
}

TEST(pr_idle_guest_arms_nothing)
{
	boot_with(REPORTING_CAPACITY_MAX, false, SIM_REP_ACK);
	report_all();
	u64 passes = prs().passes, reports = sr.reports;

	sim_rep_run_for(60 * NSEC_PER_SEC);
	CHECK_EQ(prs().passes, passes);
	CHECK_EQ(sr.reports, reports);
	/* Small frees arm nothing either. */
	struct page *p = alloc_pages(0);

	free_pages(p, 0);
	sim_rep_run_for(10 * NSEC_PER_SEC);
	CHECK_EQ(prs().passes, passes);
}

TEST(pr_walk_skips_reported_blocks)
{
	boot_with(4, false, SIM_REP_ACK);
	report_all();
	u64 blocks = sr.blocks, reports = sr.reports, passes = prs().passes;
	struct page *a = alloc_pages(MAX_ORDER);

	CHECK(a);
	CHECK(!(a->flags & PG_reported));
	CHECK_EQ(prs().reported_now, big_free());
	free_pages(a, MAX_ORDER);
	CHECK(!PageReported(a));
	sim_rep_run_for(DELAY - MS);
	CHECK_EQ(sr.reports, reports);
	sim_rep_run_for(MS);
	/* Only the new block, in one report, and no second pass. */
	CHECK_EQ(sr.reports, reports + 1);
	CHECK_EQ(sr.blocks, blocks + 1);
	sim_rep_run_for(DELAY);
	CHECK_EQ(prs().passes, passes + 1);
	CHECK(PageReported(a));
	check_all();
}

TEST(pr_allocation_prefers_unreported_memory)
{
	boot_with(REPORTING_CAPACITY_MAX, false, SIM_REP_ACK);
	report_all();
	struct page *a = alloc_pages(MAX_ORDER), *b = alloc_pages(MAX_ORDER);

	free_pages(a, MAX_ORDER);
	CHECK(alloc_pages(MAX_ORDER) == a); /* the unreported one first */
	free_pages(a, MAX_ORDER);
	free_pages(b, MAX_ORDER);
	check_all();
}

/* virtio: halves of a reported block that are still REPORTING_ORDER stay
 * reported (the host still has them dropped); smaller ones become plain
 * free memory, poisoned again. */
TEST(pr_split_without_reclaim_keeps_big_halves_reported)
{
	boot_with(REPORTING_CAPACITY_MAX, false, SIM_REP_ACK);
	report_all();
	unsigned long r = reported_block(MAX_ORDER);
	u64 rep = prs().reported_now;
	struct page *p = alloc_pages_at(r + 3, 0);

	CHECK(p);
	CHECK_EQ(page_to_pfn(p), r + 3);
	CHECK(PageReported(pfn_to_page(r + 512)));
	CHECK_EQ(pfn_to_page(r + 512)->order, 9);
	CHECK(!PageReported(pfn_to_page(r + 256)));
	CHECK(PageBuddy(pfn_to_page(r + 256)));
	CHECK(all_poison(r + 256, 256));
	CHECK(all_poison(r, 3));
	CHECK_EQ(prs().reported_now, rep - 1024 + 512);
	/* The page handed out reads as the host left it: no poison check. */
	CHECK_EQ(*(u64 *)page_address(p), 0);
	check_all();
	/* Merged with its reported buddy: unreported, poisoned again. */
	free_pages(p, 0);
	drain_all_pages(); /* from the order-0 cache to the buddy */
	CHECK(PageBuddy(pfn_to_page(r)));
	CHECK_EQ(pfn_to_page(r)->order, MAX_ORDER);
	CHECK(!PageReported(pfn_to_page(r)));
	CHECK(all_poison(r + 512, 512));
	CHECK_EQ(prs().reported_now, rep - 1024);
	check_all();
	sim_rep_run_for(DELAY + MS);
	CHECK(PageReported(pfn_to_page(r)));
	check_all();
}

/* Xen: any part of a reported block handed out reclaims the whole block
 * first (once); its halves are unreported and backed afterwards. */
TEST(pr_reclaim_whole_block_before_reuse)
{
	boot_with(REPORTING_CAPACITY_MAX, true, SIM_REP_ACK);
	report_all();
	CHECK_EQ(sim_rep_dropped_pages(), prs().reported_now);
	struct page *a = alloc_pages(MAX_ORDER);

	CHECK(a);
	CHECK_EQ(sr.reclaims, 1);
	CHECK_EQ(sr.last_pfn, page_to_pfn(a));
	CHECK_EQ(sr.last_order, MAX_ORDER);
	memset(page_address(a), 1, PAGE_SIZE << MAX_ORDER); /* backed */
	unsigned long r = reported_block(MAX_ORDER);
	struct page *p = alloc_pages_at(r + 3, 0);

	CHECK(p);
	CHECK_EQ(sr.reclaims, 2);
	CHECK_EQ(sr.last_pfn, r);
	CHECK_EQ(sr.last_order, MAX_ORDER);
	CHECK(PageBuddy(pfn_to_page(r + 512)));
	CHECK(!PageReported(pfn_to_page(r + 512)));
	CHECK(all_poison(r + 512, 512));
	CHECK_EQ(prs().reclaims, 2);
	check_all();
	free_pages(p, 0);
	free_pages(a, MAX_ORDER);
	check_all();
	sim_rep_run_for(DELAY + 10 * MS);
	CHECK_EQ(prs().reported_now, big_free());
	check_all();
}

TEST(pr_failed_reclaim_takes_another_block)
{
	boot_with(REPORTING_CAPACITY_MAX, true, SIM_REP_ACK);
	report_all();
	struct mm_stats before = mmt_stats();

	sr.fail_reclaims = 3;
	struct page *a = alloc_pages(MAX_ORDER);

	CHECK(a);
	CHECK_EQ(sr.reclaim_failed, 3);
	CHECK_EQ(sr.reclaims, 1);
	CHECK(sr.failed_pfn != page_to_pfn(a));
	/* The ones that failed are free and reported still. */
	CHECK(PageReported(pfn_to_page(sr.failed_pfn)));
	CHECK_EQ(prs().reclaim_failed, 3);
	CHECK_EQ(prs().out_now, 0);
	check_all();
	free_pages(a, MAX_ORDER);
	/* Xen has no memory at all: fails only when no block is left. */
	sr.fail_reclaims = ~0UL;
	u64 rep = prs().reported_now;

	before = mmt_stats();
	CHECK(alloc_pages(MAX_ORDER) == a); /* unreported: no reclaim */
	CHECK(alloc_pages(MAX_ORDER) == NULL);
	CHECK_EQ(prs().reclaim_failed, 3 + rep / (1 << MAX_ORDER));
	CHECK(alloc_pages_at(reported_block(MAX_ORDER), 9) == NULL);
	CHECK(alloc_pages(0)); /* small unreported memory is there */
	CHECK_EQ(prs().reported_now, rep);
	CHECK_EQ(mmt_stats().free, before.free - (1 << MAX_ORDER) - 1);
	check_all();
	sr.fail_reclaims = 0;
	CHECK(alloc_pages(MAX_ORDER));
	check_all();
}

/* A free merging with a reported buddy under Xen: kept apart until the
 * reporter took the unreported half too, then merged reported. */
TEST(pr_reclaiming_device_keeps_reported_and_unreported_apart)
{
	sim_platform_reset();
	mmt_boot();
	struct page *b = alloc_pages(MAX_ORDER);
	unsigned long pfn = page_to_pfn(b);

	split_page(b, MAX_ORDER);
	for (unsigned long i = 512; i < 1024; i++)
		free_pages(pfn_to_page(pfn + i), 0);
	sim_rep_init(&sr, REPORTING_CAPACITY_MAX, true);
	CHECK_EQ(page_reporting_register(&sr.dev), 0);
	report_all();
	CHECK(PageReported(pfn_to_page(pfn + 512)));
	for (unsigned long i = 0; i < 512; i++)
		free_pages(pfn_to_page(pfn + i), 0);
	drain_all_pages(); /* the last ones wait in the order-0 cache */
	CHECK(PageBuddy(pfn_to_page(pfn)));
	CHECK_EQ(pfn_to_page(pfn)->order, 9);
	CHECK(!PageReported(pfn_to_page(pfn)));
	CHECK(PageReported(pfn_to_page(pfn + 512)));
	CHECK_EQ(sr.reclaims, 0);
	check_all();
	sim_rep_run_for(DELAY + MS);
	CHECK(PageReported(pfn_to_page(pfn)));
	CHECK_EQ(pfn_to_page(pfn)->order, MAX_ORDER);
	check_all();
}

TEST(pr_drain_gives_a_held_block_to_alloc_pages_at)
{
	boot_with(4, false, SIM_REP_HOLD);
	sim_rep_run_for(DELAY);
	CHECK_EQ(sr.nheld, 4);
	CHECK_EQ(prs().out_now, 4UL << MAX_ORDER);
	u64 free = mmt_stats().free;
	unsigned long pfn = sr.held[1].pfn;

	CHECK(PageReporting(pfn_to_page(pfn)));
	CHECK_EQ(mm_check_consistency(), 0);
	struct page *p = alloc_pages_at(pfn + 512, 9);

	CHECK(p);
	CHECK_EQ(sr.drains, 1);
	CHECK_EQ(prs().drains, 1);
	CHECK(prs().drain_ns >= 3 * MS);
	CHECK_EQ(prs().out_now, 0);
	CHECK_EQ(mmt_stats().free, free - 512); /* out pages counted free */
	CHECK(PageReported(pfn_to_page(pfn))); /* the lower half */
	check_all();
	/* The reporter goes on where it stopped. */
	sim_rep_run_for(MS);
	CHECK_EQ(sr.nheld, 4);
	sim_rep_answer(&sr, true);
	free_pages(p, 9);
	check_all();
}

/* A hot-added block whose free blocks are out for a report goes offline
 * after the drain. */
TEST(pr_drain_lets_offline_take_a_held_block)
{
	boot_block2(REPORTING_CAPACITY_MAX, SIM_REP_HOLD, true);
	sim_rep_run_for(DELAY);
	/* Until a held batch has a block of memory block 2. */
	for (int i = 0; i < 20; i++) {
		bool in2 = false;

		for (unsigned int k = 0; k < sr.nheld; k++)
			in2 |= pfn_to_section_nr(sr.held[k].pfn) == 2;
		if (in2)
			break;
		sim_rep_answer(&sr, true);
		sim_rep_run_for(MS);
	}
	CHECK(sr.nheld);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(sr.drains, 1);
	CHECK_EQ(prs().out_now, 0);
	check_all();
	CHECK_EQ(online_memory_block(2), 0);
	check_all();
}

TEST(pr_device_that_never_answers_fails_cleanly)
{
	boot_block2(REPORTING_CAPACITY_MAX, SIM_REP_HOLD, false);
	sim_rep_run_for(DELAY);
	CHECK_EQ(sr.nheld, REPORTING_CAPACITY_MAX);
	unsigned long pfn = sr.held[0].pfn;
	struct mm_stats st = mmt_stats();
	unsigned long nr = pfn_to_section_nr(pfn);

	CHECK(alloc_pages_at(pfn, 9) == NULL);
	CHECK_EQ(sr.drains, 1);
	CHECK(strstr(unit_log(), "still holds a report"));
	CHECK_EQ(offline_memory_block(nr), -EBUSY);
	struct mm_stats after = mmt_stats();

	CHECK_STATS_EQ(st, after);
	CHECK_EQ(prs().out_now, REPORTING_CAPACITY_MAX << MAX_ORDER);
	check_all();
	sim_rep_answer(&sr, true);
	CHECK(alloc_pages_at(pfn, 9));
	check_all();
}

TEST(pr_refused_reports_go_back_unreported)
{
	boot_with(4, false, SIM_REP_REFUSE);
	u64 free = mmt_stats().free;

	sim_rep_run_for(DELAY);
	CHECK_EQ(sr.reports, 1);
	CHECK_EQ(prs().refused, 1);
	CHECK_EQ(prs().reported_now, 0);
	CHECK_EQ(prs().out_now, 0);
	CHECK_EQ(mmt_stats().free, free);
	check_all();
	/* Tried again on a later pass, not at once. */
	sim_rep_run_for(DELAY - MS);
	CHECK_EQ(sr.reports, 1);
	sim_rep_run_for(MS);
	CHECK_EQ(sr.reports, 2);
	/* A device saying no from done() is the same. */
	sr.mode = SIM_REP_NACK;
	sim_rep_run_for(DELAY);
	CHECK_EQ(sr.reports, 3);
	CHECK_EQ(prs().refused, 3);
	CHECK_EQ(prs().reported_now, 0);
	CHECK_EQ(sim_rep_dropped_pages(), 0);
	check_all();
	sr.mode = SIM_REP_ACK;
	sim_rep_run_for(3 * DELAY);
	CHECK_EQ(prs().reported_now, big_free());
	check_all();
}

/* With page poisoning, blocks the host dropped come back as zeros: no
 * poison check on them, and they are never written while reported. */
TEST(pr_poisoning_knows_reported_blocks)
{
	boot_with(REPORTING_CAPACITY_MAX, false, SIM_REP_ACK);
	CHECK(page_poisoning);
	report_all();
	unsigned long n = 0;
	struct page *p, *first = NULL;

	while ((p = alloc_pages(MAX_ORDER))) {
		CHECK_EQ(*(u64 *)page_address(p), 0);
		p->private = first ? page_to_pfn(first) : PFN_NONE;
		first = p;
		n++;
	}
	CHECK(n > 30);
	CHECK_EQ(prs().reported_now, big_free());
	while (first) {
		unsigned long next = first->private;

		first->private = 0;
		free_pages(first, MAX_ORDER);
		CHECK(all_poison(page_to_pfn(first), 1));
		first = next == PFN_NONE ? NULL : pfn_to_page(next);
	}
	check_all();
}

TEST(pr_unregister_makes_everything_plain_again)
{
	boot_with(REPORTING_CAPACITY_MAX, false, SIM_REP_ACK);
	report_all();
	page_reporting_unregister(&sr.dev);
	CHECK(!prs().active);
	CHECK_EQ(prs().reported_now, 0);
	check_all();
	/* Poisoned again: allocating all of it passes the check. */
	while (alloc_pages(MAX_ORDER))
		;
	check_all();

	boot_with(REPORTING_CAPACITY_MAX, true, SIM_REP_ACK);
	report_all();
	u64 blocks = prs().reported_now >> MAX_ORDER, poff = mmt_stats().page_offline;

	sr.fail_reclaims = 1; /* one block Xen cannot give back */
	page_reporting_unregister(&sr.dev);
	CHECK_EQ(sr.reclaims, blocks - 1);
	CHECK_EQ(sim_rep_dropped_pages(), 1 << MAX_ORDER);
	CHECK_EQ(mmt_stats().page_offline, poff + (1 << MAX_ORDER));
	CHECK(strstr(unit_log(), "kept offline"));
	CHECK_EQ(prs().reported_now, 0);
	CHECK_EQ(mm_check_consistency(), 0);
	while (alloc_pages(MAX_ORDER))
		;
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(pr_meminfo_shows_reporting_when_a_device_is_registered)
{
	sim_platform_reset();
	mmt_boot();
	unit_log_clear();
	CHECK_EQ(shell_run_line("meminfo"), 0);
	CHECK(!strstr(unit_log(), "Reported"));
	sim_rep_init(&sr, 4, false);
	CHECK_EQ(page_reporting_register(&sr.dev), 0);
	report_all();
	unit_log_clear();
	CHECK_EQ(shell_run_line("meminfo -c"), 0);
	CHECK(strstr(unit_log(), "Reporting device:"));
	CHECK(strstr(unit_log(), "Reported now:"));
	CHECK(strstr(unit_log(), "Consistency check: ok"));
}

/* While a block is being offlined (isolated), the reporter runs (here from
 * the MEM_GOING_OFFLINE notifier) and takes nothing from it. */
static unsigned long iso_taken, iso_reports;

static int run_reporter_nb(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct memory_notify *arg = data;

	if (action != MEM_GOING_OFFLINE)
		return NOTIFY_OK;
	unsigned long before = sr.reports;

	sim_rep_run_for(DELAY + 100 * MS);
	iso_reports = sr.reports - before;
	for (unsigned long pfn = arg->start_pfn; pfn < arg->start_pfn + arg->nr_pages;
	     pfn += 1UL << REPORTING_ORDER)
		iso_taken += PageReporting(pfn_to_page(pfn)) ||
			     PageReported(pfn_to_page(pfn));
	return NOTIFY_OK;
}

TEST(pr_reporter_skips_an_isolated_block)
{
	static struct notifier_block nb = { .notifier_call = run_reporter_nb };

	boot_block2(4, SIM_REP_ACK, true);
	CHECK_EQ(register_memory_notifier(&nb), 0);
	iso_taken = iso_reports = 0;
	/* Nothing reported yet: the walk meets block 2 isolated. */
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(unregister_memory_notifier(&nb), 0);
	CHECK(iso_reports > 0);    /* it ran, on the other blocks */
	CHECK_EQ(iso_taken, 0);
	CHECK_EQ(prs().out_now, 0);
	check_all();
	CHECK_EQ(online_memory_block(2), 0);
	sim_rep_run_for(DELAY + 100 * MS);
	CHECK_EQ(prs().reported_now, big_free());
	check_all();
}
