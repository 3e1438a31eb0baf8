/*
 * Free page reporting to Xen (drivers/xen/page_reporting.c) through mm's
 * page reporting, over the simulated hypervisor: reports give frames back
 * (the sim makes an unbacked frame PROT_NONE, so a touch of a reported
 * block is fatal), a reclaim populates a block before it is reused, a
 * reclaim Xen has no memory for makes the allocator take another block,
 * and the balloon's target and maximum do not move with reported memory.
 */
#include "unit.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/page_reporting.h>
#include <ballast/shell.h>
#include <ballast/timer.h>
#include <ballast/xen/page_reporting.h>

#define BLOCK_PAGES (1UL << REPORTING_ORDER)

static struct xen_reporting_stats xrs(void)
{
	struct xen_reporting_stats st;

	xen_reporting_get_stats(&st);
	return st;
}

static struct page_reporting_stats prs(void)
{
	struct page_reporting_stats st;

	page_reporting_get_stats(&st);
	return st;
}

/* The Xen backend's host count (drivers/xen/balloon.c xb_current_pages). */
static u64 xen_cur(void)
{
	return xen_reporting_host_current(sim.tot_pages);
}

/* ...and its `balloon report on|off` (xb_reporting). */
static int xen_rep(bool on)
{
	return on ? xen_reporting_start() : xen_reporting_stop();
}

static struct balloon_backend xen_like;

/* 256 MiB guest, the sim with `headroom` pages, the backend counting as
 * the Xen one does, reporting on. */
static void xr_boot(u64 headroom)
{
	bt_boot(headroom);
	xen_reporting_reset_for_test();
	xen_like = sim_backend;
	xen_like.current_pages = xen_cur;
	xen_like.reporting = xen_rep;
	bt_use_backend(&xen_like);
	CHECK_EQ(xen_reporting_start(), 0);
}

/* Deferred work for `ms` of fake time. */
static void xr_run_ms(unsigned int ms)
{
	for (unsigned int t = 0; t < ms; t += 10) {
		sim_clock_now += 10 * NSEC_PER_MSEC;
		run_deferred();
	}
}

/* Everything agrees: mm, the sim's frames, the device's count. */
static void xr_check(void)
{
	CHECK_EQ(mm_check_consistency(), 0);
	sim_hv_check();
	CHECK_EQ(prs().out_now, 0);
	CHECK_EQ(prs().reported_now, xrs().given_back);
}

/* The balloon agrees with the sim: what the guest has is what Xen backs
 * plus what is reported, and the host count the core sees (with the
 * reported pages) is that plus the sim's constant. */
static void xr_bcheck(void)
{
	struct balloon_stats b = bt_stats();

	CHECK_EQ(balloon_check_consistency(), 0);
	CHECK_EQ(sim.backed + xrs().given_back, b.current);
	CHECK_EQ(b.host_current - b.current, HOST_EXTRA);
	CHECK(b.host_current <= b.host_max);
}

/* Frames of [pfn, pfn + n) all in state st. */
static bool frames(unsigned long pfn, unsigned long n, enum sim_frame st)
{
	for (unsigned long i = 0; i < n; i++)
		if (sim.frame[pfn + i] != st)
			return false;
	return true;
}

TEST(xen_report_gives_frames_back)
{
	u64 tot, free;

	xr_boot(0);
	tot = sim.tot_pages;
	free = mmt_stats().free;
	xr_run_ms(10000);
	CHECK(prs().active);
	CHECK_STR(prs().device, "xen");
	/* Most of an idle 256 MiB guest is free in 2 MiB blocks and up. */
	CHECK(xrs().given_back >= free / 2);
	CHECK_EQ(sim.tot_pages, tot - xrs().given_back);
	CHECK_EQ(xrs().pages, xrs().given_back);
	/* Whole 2 MiB extents, scrubbed (the sim checks every byte). */
	CHECK_EQ(xrs().huge_extents * BLOCK_PAGES, xrs().pages);
	CHECK_EQ(xrs().small_extents, 0);
	CHECK_EQ(sim.violations, 0);
	xr_check();
	/* Idle, all reported: no more calls. */
	{
		u64 calls = sim.calls;

		xr_run_ms(10000);
		CHECK_EQ(sim.calls, calls);
	}
}

/* Xen refuses order 9: 4 KiB extents, same result. */
TEST(xen_report_order0_when_huge_refused)
{
	u64 tot;

	xr_boot(0);
	sim.refuse_huge_decrease = true;
	tot = sim.tot_pages;
	xr_run_ms(10000);
	CHECK(xrs().given_back > 0);
	CHECK_EQ(xrs().huge_extents, 0);
	CHECK_EQ(xrs().small_extents, xrs().pages);
	CHECK_EQ(sim.tot_pages, tot - xrs().given_back);
	xr_check();
}

static unsigned int calls_seen;

/* Inside each sim call: the fourth (a first block's second 2 MiB, in 4 KiB
 * extents) stops after 100. */
static void stop_fourth_call(void)
{
	if (++calls_seen == 4)
		sim.stop_after = 100;
	else
		sim.during = stop_fourth_call;
}

/* Xen stops inside a batch: the batch is undone (frames back, poisoned),
 * the blocks stay free and unreported, and go on a later pass. */
TEST(xen_report_refused_batch_undone)
{
	u64 tot;

	xr_boot(0);
	tot = sim.tot_pages;
	sim.refuse_huge_decrease = true;
	calls_seen = 0;
	sim.during = stop_fourth_call;
	xr_run_ms(3000);
	CHECK_EQ(xrs().refused, 1);
	CHECK(prs().refused >= 1);
	CHECK_EQ(xrs().lost, 0);
	xr_run_ms(10000);
	CHECK(xrs().given_back > 0);
	CHECK_EQ(sim.tot_pages, tot - xrs().given_back);
	xr_check();
	/* The undone blocks were poisoned again: allocating everything
	 * passes the poison check (a panic would fail the test). */
	{
		struct page *p[128];
		unsigned int n = 0;

		while (n < 128 && (p[n] = alloc_pages(REPORTING_ORDER)))
			n++;
		while (n)
			free_pages(p[--n], REPORTING_ORDER);
	}
	xr_check();
}

/* The fourth call stops inside the batch, and Xen keeps only the frames
 * that call releases: too few for the undo to take the batch back. */
static void stop_fourth_call_then_starve(void)
{
	if (++calls_seen == 4) {
		sim.stop_after = 100;
		sim.free_frames = 0;
	} else {
		sim.during = stop_fourth_call_then_starve;
	}
}

/* Xen stops inside a batch and then has no memory to undo it: the batch
 * stays reported, every block of it without frames again (none half
 * backed), nothing lost; once Xen has memory, reclaiming them all
 * populates each frame once (the sim fails the test on a frame populated
 * twice). */
TEST(xen_report_undo_without_memory_leaves_the_batch_reported_unbacked)
{
	struct page *p[128];
	unsigned int n = 0;

	xr_boot(0);
	sim.refuse_huge_decrease = true;
	calls_seen = 0;
	sim.during = stop_fourth_call_then_starve;
	xr_run_ms(10000);
	CHECK_EQ(xrs().refused, 1);
	CHECK_EQ(xrs().lost, 0);
	xr_check();
	sim.free_frames = ~0ULL;
	while (n < 128 && (p[n] = alloc_pages(REPORTING_ORDER)))
		n++;
	CHECK(n > 0);
	while (n)
		free_pages(p[--n], REPORTING_ORDER);
	xr_check();
}

/* Reported memory is reused: populated first, poisoned as the allocator
 * expects, written and read back, freed, reported again. */
TEST(xen_report_reclaim_before_reuse)
{
	struct page *p[64];
	unsigned int n = 0;

	xr_boot(0);
	xr_run_ms(10000);
	while (n < 64 && (p[n] = alloc_pages(REPORTING_ORDER)))
		n++;
	CHECK(n > 32);
	CHECK(xrs().reclaims > 0);
	CHECK(xrs().reclaimed >= xrs().reclaims * BLOCK_PAGES);
	for (unsigned int i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(p[i]);
		u64 *w = page_address(p[i]);

		CHECK(frames(pfn, BLOCK_PAGES, SIM_BACKED));
		for (unsigned long k = 0; k < BLOCK_PAGES * PAGE_SIZE / 8; k++)
			w[k] = k ^ i;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 *w = page_address(p[i]);

		for (unsigned long k = 0; k < BLOCK_PAGES * PAGE_SIZE / 8; k++)
			if (w[k] != (k ^ i))
				unit_fail(__FILE__, __LINE__, "block %u word %lu", i, k);
		free_pages(p[i], REPORTING_ORDER);
	}
	{
		u64 before = xrs().pages;

		xr_run_ms(10000);
		CHECK(xrs().pages >= before + 32 * BLOCK_PAGES);
	}
	xr_check();
}

/* An order-0 allocation out of reported memory: the block is reclaimed
 * before its first page is handed out. */
TEST(xen_report_reclaim_small_alloc)
{
	unsigned long got = 0;
	u32 head = PFN_NONE;

	xr_boot(0);
	xr_run_ms(10000);
	/* Allocate order 0 until a reclaim was needed, and a bit more. */
	while (xrs().reclaims < 2) {
		struct page *pg = alloc_pages(0);

		CHECK(pg);
		CHECK(frames(page_to_pfn(pg), 1, SIM_BACKED));
		*(u64 *)page_address(pg) = 1;
		pg->private = head;
		head = (u32)page_to_pfn(pg);
		got++;
	}
	while (head != PFN_NONE) {
		struct page *pg = pfn_to_page(head);

		head = (u32)pg->private;
		pg->private = 0;
		free_pages(pg, 0);
	}
	xr_run_ms(10000);
	xr_check();
}

/* Inside each sim call: Xen has memory again from the third call on (the
 * first reclaim's order-9 and order-0 populates both fail). */
static void memory_back_later(void)
{
	if (++calls_seen >= 3)
		sim.free_frames = ~0ULL;
	else
		sim.during = memory_back_later;
}

/* Blocks a test takes and gives back at its end (give_back_held). */
static struct page *held[70000];
static unsigned int nheld;

/* Booted, 10 s of reporting, then blocks taken (into held[]) until only
 * reported ones are left. */
static void xr_boot_take_unreported(void)
{
	xr_boot(0);
	xr_run_ms(10000);
	nheld = 0;
	while (nheld < ARRAY_SIZE(held) && mmt_stats().free > prs().reported_now) {
		struct page *pg = alloc_pages(0);

		if (!pg)
			break;
		held[nheld++] = pg;
	}
}

/* Every block in held[] freed, 10 s more of reporting, xr_check. */
static void give_back_held(void)
{
	while (nheld)
		free_pages(held[--nheld], 0);
	xr_run_ms(10000);
	xr_check();
}

/* A reclaim Xen has no memory for: the allocator takes another block. */
TEST(xen_report_reclaim_fails_takes_another)
{
	struct page *pg;

	xr_boot_take_unreported();
	CHECK(xrs().reclaims == 0);
	sim.free_frames = 0;
	calls_seen = 0;
	sim.during = memory_back_later;
	pg = alloc_pages(REPORTING_ORDER);
	CHECK(pg);
	CHECK_EQ(xrs().reclaim_failed, 1);
	CHECK_EQ(xrs().reclaims, 1);
	CHECK(frames(page_to_pfn(pg), BLOCK_PAGES, SIM_BACKED));
	free_pages(pg, REPORTING_ORDER);
	give_back_held();
}

/* Xen has no memory at all: allocation fails only when every block was
 * tried, and nothing is lost. */
TEST(xen_report_reclaim_fails_everywhere)
{
	u64 reported;

	xr_boot_take_unreported();
	reported = xrs().given_back;
	CHECK(reported > 0);
	sim.free_frames = 256; /* half a block: Xen gives some, then stops */
	CHECK(!alloc_pages(REPORTING_ORDER));
	CHECK(xrs().reclaim_failed >= 1);
	CHECK_EQ(xrs().reclaims, 0);
	CHECK_EQ(xrs().given_back, reported);
	CHECK_EQ(xrs().lost, 0);
	CHECK_EQ(sim.free_frames, 256);
	CHECK(!alloc_pages(0));
	xr_check();
	sim.free_frames = ~0ULL;
	{
		struct page *pg = alloc_pages(REPORTING_ORDER);

		CHECK(pg);
		free_pages(pg, REPORTING_ORDER);
	}
	give_back_held();
}

/* The balloon does not take reported memory for memory it gave back: its
 * current, target and maximum stay where they were. */
TEST(xen_report_balloon_target_unchanged)
{
	struct balloon_stats b0, b1;
	u64 max0;

	xr_boot(16384);
	CHECK(balloon_set_target(bt_stats().current) >= 0);
	bt_run(NULL);
	b0 = bt_stats();
	max0 = balloon_max_target();
	xr_run_ms(10000);
	CHECK(xrs().given_back > 0);
	b1 = bt_stats();
	CHECK_EQ(b1.current, b0.current);
	CHECK_EQ(b1.target, b0.target);
	CHECK_EQ(balloon_max_target(), max0);
	CHECK_EQ(b1.host_current, b0.host_current);
	bt_run(NULL);
	CHECK_EQ(bt_stats().pages_up + bt_stats().pages_down,
		 b0.pages_up + b0.pages_down);
	xr_check();
}

/*
 * A target set while blocks are reported is bounded by what the host
 * allows with all of them back: going up to the maximum, then using every
 * free page (reclaiming every reported block) never meets Xen's max.
 */
TEST(xen_report_max_target_bounded)
{
	struct page *pg;

	u64 cur1;

	xr_boot(0);
	/* 150 MiB ballooned, the host allowing 32 MiB of them back (as xl
	 * mem-set sets max_pages): its room, not the guest's reach, bounds
	 * going up. */
	CHECK(balloon_set_target(bt_stats().current - 150 * 256) >= 0);
	bt_run(NULL);
	cur1 = bt_stats().current;
	sim.max_pages = sim.tot_pages + 8192;
	xr_run_ms(10000);
	CHECK(xrs().given_back > 8192);
	CHECK_EQ(balloon_max_target(), cur1 + 8192);
	CHECK(balloon_set_target(balloon_max_target()) >= 0);
	bt_run(NULL);
	CHECK_EQ(bt_stats().current, bt_stats().target);
	nheld = 0;
	while (nheld < ARRAY_SIZE(held) && (pg = alloc_pages(0)))
		held[nheld++] = pg;
	CHECK_EQ(xrs().reclaim_failed, 0);
	CHECK_EQ(xrs().given_back, 0);
	CHECK(sim.tot_pages <= sim.max_pages);
	give_back_held();
	xr_bcheck();
}

/* The balloon goes down and up while blocks are reported (xl mem-set). */
TEST(xen_report_balloon_moves)
{
	u64 cur;

	xr_boot(16384);
	xr_run_ms(10000);
	cur = bt_stats().current;
	CHECK(balloon_set_target(cur - 100 * 256) >= 0);
	bt_run(NULL);
	CHECK_EQ(bt_stats().current, cur - 100 * 256);
	xr_run_ms(10000);
	xr_bcheck();
	CHECK(balloon_set_target(cur - 20 * 256) >= 0);
	bt_run(NULL);
	CHECK_EQ(bt_stats().current, cur - 20 * 256);
	xr_run_ms(10000);
	CHECK(xrs().given_back > 0);
	xr_check();
	xr_bcheck();
}

/*
 * xl mem-set down with most of the guest reported: max_pages becomes the
 * target plus 1 MiB at once; the balloon takes reported blocks (each
 * reclaimed, scrubbed, given back) and reaches the target, its batches
 * meeting the maximum on the way (those reclaims fail, counted).
 */
TEST(xen_report_mem_set_down)
{
	u64 cur, target;
	unsigned int rounds = 0;

	xr_boot(0);
	xr_run_ms(10000);
	cur = bt_stats().current;
	target = cur / 2;
	sim.max_pages = target + HOST_EXTRA + 256;
	CHECK(balloon_set_target(target) >= 0);
	while (bt_stats().current != target && rounds++ < 20) {
		u64 d = bt_run(NULL);

		bt_now += d ? d : SEC;
	}
	CHECK_EQ(bt_stats().current, target);
	CHECK(sim.tot_pages <= sim.max_pages);
	CHECK(xrs().reclaims > 0); /* 32, and 32 failed: one batch */
	xr_run_ms(10000);
	xr_check();
	xr_bcheck();
}

/* Off: every reported block is reclaimed, tot_pages back where it was. */
TEST(xen_report_off_reclaims)
{
	u64 tot;

	xr_boot(0);
	tot = sim.tot_pages;
	xr_run_ms(10000);
	CHECK(xrs().given_back > 0);
	CHECK_EQ(xen_reporting_stop(), 0);
	CHECK(!xen_reporting_on());
	CHECK_EQ(xrs().given_back, 0);
	CHECK_EQ(sim.tot_pages, tot);
	CHECK(!prs().active);
	CHECK_EQ(prs().reported_now, 0);
	xr_check();
}

/* Off while the domain's maximum has no room for what is reported:
 * refused, nothing changes; with the room, every block comes back. */
TEST(xen_report_off_needs_room)
{
	u64 tot, rep;

	xr_boot(0);
	tot = sim.tot_pages;
	xr_run_ms(10000);
	rep = xrs().given_back;
	sim.max_pages = sim.tot_pages + rep - 1;
	unit_log_clear();
	CHECK_EQ(shell_run_line("balloon report off"), -ENOSPC);
	CHECK(strstr(unit_log(), "reporting stays on"));
	CHECK(strstr(unit_log(), "not switched off"));
	CHECK(xen_reporting_on());
	CHECK_EQ(xrs().given_back, rep);
	CHECK_EQ(xrs().reclaims, 0);
	sim.max_pages++;
	CHECK_EQ(shell_run_line("balloon report off"), 0);
	CHECK_EQ(sim.tot_pages, tot);
	xr_check();
}

/* At the domain's maximum a reclaim fails without asking Xen for frames:
 * no populate call, nothing populated and given back. */
TEST(xen_report_reclaim_at_max_asks_nothing)
{
	u64 calls;

	xr_boot_take_unreported();
	/* Short of one page for the smallest reported block. */
	sim.max_pages = sim.tot_pages + BLOCK_PAGES - 1;
	calls = sim.calls;
	CHECK(!alloc_pages(REPORTING_ORDER));
	CHECK(xrs().reclaim_failed >= 1);
	CHECK_EQ(sim.calls, calls);
	sim.max_pages += 1 + BLOCK_PAGES; /* room for a 4 MiB block too */
	{
		struct page *pg = alloc_pages(REPORTING_ORDER);

		CHECK(pg);
		CHECK(sim.tot_pages <= sim.max_pages);
		free_pages(pg, REPORTING_ORDER);
	}
	give_back_held();
}

/* Xen without memory for a reclaim says so once, not once per block. */
TEST(xen_report_reclaim_failure_said_once)
{
	const char *log, *first;

	xr_boot_take_unreported();
	sim.free_frames = 0;
	unit_log_clear();
	CHECK(!alloc_pages(REPORTING_ORDER));
	CHECK(xrs().reclaim_failed > 1);
	log = unit_log();
	first = strstr(log, "no memory to back");
	CHECK(first);
	CHECK(!strstr(first + 1, "no memory to back"));
	sim.free_frames = ~0ULL;
	give_back_held();
}

TEST(xen_report_shell)
{
	xr_boot(0);
	unit_log_clear();
	CHECK_EQ(shell_run_line("balloon report off"), 0);
	CHECK(strstr(unit_log(), "free page reporting off"));
	CHECK(!xen_reporting_on());
	CHECK_EQ(shell_run_line("balloon report on"), 0);
	CHECK(xen_reporting_on());
	CHECK_EQ(shell_run_line("balloon report off"), 0);
	unit_log_clear();
	CHECK_EQ(shell_run_line("balloon report maybe"), -EINVAL);
	CHECK(strstr(unit_log(), "want on or off"));
	CHECK(!xen_reporting_on());
	bt_use_backend(&sim_backend); /* no reporting hook */
	unit_log_clear();
	CHECK(shell_run_line("balloon report on") < 0);
	CHECK(strstr(unit_log(), "has no free page reporting"));
	CHECK(!xen_reporting_on());
}

TEST(xen_report_show)
{
	xr_boot(0);
	xr_run_ms(10000);
	unit_log_clear();
	xen_reporting_show(sim.tot_pages);
	CHECK(strstr(unit_log(), "reporting:   on (xen): "));
	CHECK(strstr(unit_log(), "KiB of the guest's free memory reported to the host"));
	CHECK(strstr(unit_log(), "reported:    "));
}
