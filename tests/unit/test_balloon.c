/* The balloon core against the simulated hypervisor: the main paths. */
#include "unit.h"
#include "balloon_test.h"
#include "sim_platform.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/mm.h>

#define MB(n) ((u64)(n) * MiB / PAGE_SIZE)

TEST(balloon_down_prefers_2m_extents)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	CHECK_EQ(balloon_set_target(start - MB(64) - 5), BALLOON_CLAMP_NONE);
	CHECK_EQ(bt_run(NULL), 0);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.state, BALLOON_DONE);
	CHECK_EQ(st.current, start - MB(64) - 5);
	CHECK_EQ(st.huge_down, 32);     /* 64 MiB as 2 MiB extents... */
	CHECK_EQ(st.ballooned_huge, MB(64));
	CHECK_EQ(st.calls, 2);          /* ...in one call, then 5 pages */
	CHECK_EQ(sim.last_order, 0);
	CHECK_EQ(sim.last_nr, 5);
	CHECK_EQ(st.pages_down, MB(64) + 5);
	bt_check();
}

TEST(balloon_up_after_down_uses_2m_extents)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	balloon_set_target(start - MB(100) - 3);
	CHECK_EQ(bt_run(NULL), 0);
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), 0);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.current, start);
	CHECK_EQ(st.ballooned, 0);
	CHECK_EQ(st.huge_up, 50);
	CHECK_EQ(st.pages_up, MB(100) + 3);
	CHECK_EQ(sim.populated, MB(100) + 3);
	CHECK_EQ(sim.released, MB(100) + 3);
	bt_check();
}

TEST(balloon_batches_are_512_extents)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	/* Order 0 only: the host refuses 2 MiB extents both ways. */
	sim.refuse_huge_decrease = sim.refuse_huge_populate = true;
	balloon_set_target(start - 3 * 512 - 7);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(sim.max_extents, BALLOON_BATCH);
	CHECK_EQ(bt_stats().current, start - 3 * 512 - 7);
	CHECK_EQ(bt_stats().huge_down, 0);
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().huge_up, 0);
	bt_check();
}

TEST(balloon_order9_refused_up_falls_back_in_the_same_step)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;
	unsigned long steps;

	balloon_set_target(start - MB(8));
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().huge_down, 4);
	sim.refuse_huge_populate = true;
	u64 calls = sim.calls;

	balloon_set_target(start - MB(6));
	CHECK_EQ(balloon_work(bt_now), 0);
	/* One refused order-9 call, then 512 single pages in the same step. */
	CHECK_EQ(sim.calls, calls + 2);
	CHECK_EQ(sim.last_order, 0);
	CHECK_EQ(sim.last_nr, 512);
	CHECK_EQ(bt_stats().current, start - MB(6));
	balloon_set_target(start);
	CHECK_EQ(bt_run(&steps), 0);
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().huge_up, 0);
	bt_check();
}

TEST(balloon_order9_refused_down_goes_single_pages)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	sim.refuse_huge_decrease = true;
	balloon_set_target(start - MB(4));
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - MB(4));
	CHECK_EQ(bt_stats().huge_down, 0);
	CHECK_EQ(sim.released, MB(4));
	bt_check();
}

/* A short decrease at every position of an order-0 batch. */
TEST(balloon_down_short_count_every_position)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	sim.refuse_huge_decrease = true;
	for (long pos = 0; pos <= BALLOON_BATCH; pos++) {
		u64 before = bt_stats().current;

		balloon_set_target(start - BALLOON_BATCH);
		/* Each new target tries 2 MiB once; refused, 512 pages next. */
		CHECK_EQ(balloon_work(bt_now), BALLOON_AGAIN);
		sim.stop_after = pos;
		u64 d = balloon_work(bt_now);

		CHECK_EQ(bt_stats().current, before - (u64)pos);
		if (pos < BALLOON_BATCH) {
			CHECK_EQ(d, SEC);
			CHECK_EQ(bt_stats().reason, BALLOON_HOST_REFUSED);
			CHECK_EQ(bt_stats().shortfall, BALLOON_BATCH - pos);
		}
		bt_check();
		balloon_set_target(start);
		CHECK_EQ(bt_run(NULL), 0);
		CHECK_EQ(bt_stats().current, start);
	}
	bt_check();
}

/* A short decrease at every run of an order-9 batch. */
TEST(balloon_down_short_count_order9_positions)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	for (long pos = 0; pos <= 8; pos++) {
		sim.stop_after = pos;
		balloon_set_target(start - MB(16));
		balloon_work(bt_now);
		CHECK_EQ(bt_stats().current, start - (u64)pos * 512);
		bt_check();
		CHECK_EQ(bt_run(NULL), 0); /* single pages for the rest */
		CHECK_EQ(bt_stats().current, start - MB(16));
		balloon_set_target(start);
		CHECK_EQ(bt_run(NULL), 0);
		CHECK_EQ(bt_stats().current, start);
		bt_check();
	}
}

/* A short populate at every position of an order-0 and an order-9 batch. */
TEST(balloon_up_short_count_every_position)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	sim.refuse_huge_decrease = true; /* scattered single pages */
	balloon_set_target(start - BALLOON_BATCH);
	CHECK_EQ(bt_run(NULL), 0);
	sim.refuse_huge_decrease = false;
	for (long pos = 0; pos <= BALLOON_BATCH; pos++) {
		sim.stop_after = pos;
		balloon_set_target(start);
		u64 d = balloon_work(bt_now);

		CHECK_EQ(bt_stats().current, start - BALLOON_BATCH + (u64)pos);
		if (pos < BALLOON_BATCH)
			CHECK_EQ(d, SEC);
		bt_check();
		balloon_set_target(start - BALLOON_BATCH);
		CHECK_EQ(bt_run(NULL), 0);
	}
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), 0);
	balloon_set_target(start - MB(16));
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().ballooned_huge, MB(16));
	u64 huge_up = bt_stats().huge_up;

	for (long pos = 0; pos <= 8; pos++) {
		u64 before = bt_stats().current;
		u64 runs = bt_stats().ballooned_huge / 512;

		sim.stop_after = pos;
		balloon_set_target(start);
		balloon_work(bt_now); /* order 9 short: order 0 for the rest */
		CHECK_EQ(bt_stats().huge_up, huge_up + MIN((u64)pos, runs));
		CHECK(bt_stats().current >= before + MIN((u64)pos, runs) * 512);
		if ((u64)pos < runs) /* the same step went on with single pages */
			CHECK_EQ(bt_stats().current, before + (u64)pos * 512 + 512);
		huge_up = bt_stats().huge_up;
		bt_check();
		balloon_set_target(start - MB(16));
		CHECK_EQ(bt_run(NULL), 0);
		bt_check();
	}
}

TEST(balloon_up_stops_at_host_max)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	balloon_set_target(start - MB(32));
	CHECK_EQ(bt_run(NULL), 0);
	balloon_set_target(start);
	sim.max_pages = sim.tot_pages + MB(10) + 3; /* lowered mid-way */
	CHECK_EQ(bt_run(NULL), SEC);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.state, BALLOON_WAITING);
	CHECK_EQ(st.reason, BALLOON_HOST_MAX);
	CHECK_EQ(st.current, start - MB(32) + MB(10) + 3);
	CHECK_EQ(st.shortfall, MB(22) - 3);
	CHECK_EQ(sim.tot_pages, sim.max_pages);
	bt_check();
	sim.max_pages += MB(22);
	bt_now += SEC;
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start);
	bt_check();
}

TEST(balloon_up_stops_when_host_out_of_memory)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	balloon_set_target(start - MB(32));
	CHECK_EQ(bt_run(NULL), 0);
	sim.free_frames = 1000;
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), SEC);
	CHECK_EQ(bt_stats().reason, BALLOON_HOST_NO_MEMORY);
	CHECK_EQ(bt_stats().current, start - MB(32) + 1000);
	bt_check();
}

TEST(balloon_down_stops_without_free_memory_then_backs_off)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;
	struct mm_stats m = mmt_stats();

	/* Hold all but 10 MiB (+ the reserve): only that can go. */
	bt_hold(m.free - MB(10) - BALLOON_RESERVE_PAGES);
	balloon_set_target(start - MB(30));
	u64 d = bt_run(NULL);

	CHECK_EQ(d, SEC);
	CHECK_EQ(bt_stats().current, start - MB(10));
	CHECK_EQ(bt_stats().reason, BALLOON_NO_FREE_MEMORY);
	CHECK_EQ(bt_stats().shortfall, MB(20));
	CHECK_EQ(mmt_stats().free, BALLOON_RESERVE_PAGES);
	bt_check();
	/* Called early, it only says how long is left. */
	bt_now += SEC / 2;
	CHECK_EQ(balloon_work(bt_now), SEC / 2);
	/* 1, 2, 4, 8, 16, 32 s, then it waits for a new target. */
	for (u64 want = 2 * SEC; want <= 32 * SEC; want *= 2) {
		bt_now += bt_stats().retry_at_ns - bt_now;
		CHECK_EQ(balloon_work(bt_now), want);
		CHECK_EQ(bt_stats().state, BALLOON_WAITING);
	}
	bt_now += 32 * SEC;
	CHECK_EQ(balloon_work(bt_now), 0);
	CHECK_EQ(bt_stats().state, BALLOON_DONE);
	CHECK_EQ(bt_stats().reason, BALLOON_NO_FREE_MEMORY);
	CHECK_EQ(bt_stats().retries, BALLOON_MAX_RETRIES);
	bt_now += 1000 * SEC;
	CHECK_EQ(balloon_work(bt_now), 0); /* stays put: no spinning */
	bt_release();
	CHECK_EQ(balloon_work(bt_now), 0); /* ...until a new target */
	balloon_set_target(start - MB(30));
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - MB(30));
	bt_check();
}

static u64 mid_target;
static void change_target(void)
{
	balloon_set_target(mid_target);
}

TEST(balloon_target_changed_mid_batch)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	mid_target = start - 100;
	sim.during = change_target; /* inside the first decrease */
	balloon_set_target(start - MB(8));
	CHECK_EQ(bt_run(NULL), 0);
	/* The batch in flight finished (4 x 2 MiB), then it came back up. */
	CHECK_EQ(bt_stats().current, start - 100);
	CHECK_EQ(bt_stats().pages_down, MB(8));
	CHECK_EQ(bt_stats().pages_up, MB(8) - 100);
	/* Now going up: a change to a lower target inside a populate. */
	mid_target = start - MB(3);
	sim.during = change_target;
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - MB(3));
	bt_check();
}

TEST(balloon_clamps_above_host_max_without_retrying)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	balloon_set_target(start - MB(128));
	CHECK_EQ(bt_run(NULL), 0);
	sim.max_pages = sim.tot_pages + MB(20);
	CHECK_EQ(balloon_max_target(), start - MB(108));
	CHECK_EQ(balloon_set_target(start), BALLOON_CLAMP_HOST_MAX);
	CHECK_EQ(bt_stats().target, start - MB(108));
	CHECK_EQ(bt_stats().requested, start);
	CHECK(strstr(unit_log(), "clamped"));
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - MB(108));
	CHECK_EQ(bt_stats().state, BALLOON_DONE);
	CHECK_EQ(bt_stats().retries, 0);
	bt_check();
}

TEST(balloon_clamps_to_ram_and_minimum)
{
	bt_boot(MB(4096));
	u64 start = bt_stats().current;

	CHECK_EQ(balloon_set_target(start + MB(1)), BALLOON_CLAMP_MAP);
	CHECK_EQ(bt_stats().target, start);
	CHECK_EQ(balloon_set_target(1), BALLOON_CLAMP_MIN);
	CHECK_EQ(bt_stats().target, BALLOON_MIN_TARGET);
}

TEST(balloon_backend_error_changes_nothing)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	sim.fail_next = true;
	balloon_set_target(start - MB(4));
	CHECK_EQ(bt_run(NULL), SEC);
	CHECK_EQ(bt_stats().reason, BALLOON_BACKEND_ERROR);
	CHECK_EQ(bt_stats().current, start);
	bt_check();
	bt_now += SEC;
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - MB(4));
	bt_check();
}

/* The backend has no memory of the guest's to take frames with (PV: page
 * tables to map them): the reason is the guest's memory, not the host's. */
TEST(balloon_populate_enomem_is_the_guests_memory)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	balloon_set_target(start - MB(8));
	bt_run(NULL);
	sim.fail_next = true;
	sim.fail_errno = ENOMEM;
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), SEC);
	CHECK_EQ(bt_stats().reason, BALLOON_NO_FREE_MEMORY);
	CHECK_EQ(bt_stats().current, start - MB(8));
	bt_check();
	bt_now += SEC;
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start);
	bt_check();
}

TEST(balloon_without_backend)
{
	mmt_boot();
	balloon_reset_for_test();
	CHECK_EQ(balloon_set_target(MB(64)), -ENODEV);
	CHECK_EQ(balloon_work(0), 0);
	CHECK_EQ(balloon_max_target(), 0);
	CHECK_EQ(balloon_register_backend(&sim_backend), 0);
	CHECK_EQ(balloon_register_backend(&sim_backend), -EBUSY);
}

static int kicks;
static void count_kick(void)
{
	kicks++;
}

TEST(balloon_kicks_on_new_work)
{
	bt_boot(MB(64));
	kicks = 0;
	balloon_set_kick(count_kick);
	balloon_set_target(bt_stats().current - 10);
	CHECK_EQ(kicks, 1);
	balloon_set_kick(NULL);
}

TEST(balloon_times_a_target_from_its_change_to_done)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	sim_clock_now = 5 * SEC;
	balloon_set_target(start - MB(8));
	sim_clock_now = 5 * SEC + 1234567; /* the batches took 1.23 ms */
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().state, BALLOON_DONE);
	CHECK_EQ(bt_stats().last_took_ns, 1234567);
	bt_check();
}
