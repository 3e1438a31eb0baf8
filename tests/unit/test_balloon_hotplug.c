/*
 * Memory blocks that come and go with the target: hot-add past the boot
 * memory (memmap on the new block, pages ballooned until populated),
 * offline and remove of blocks the balloon emptied, with faults at each
 * step. Every failure leaves mm, the balloon and the sim agreeing.
 */
#include "unit.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include "sim_mm.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>

#define MB(n) ((u64)(n) * MiB / PAGE_SIZE)
#define BLOCK PAGES_PER_SECTION

/* The values that must come back after a grow/shrink cycle. */
struct snap {
	u64 present, online, managed, free, reserved, memmap, memmap_on_memory,
		pgtable, page_offline, host;
	unsigned long blocks;
};

static struct snap snap(void)
{
	struct mm_stats m = mmt_stats();

	return (struct snap){ m.present, m.online, m.managed, m.free, m.reserved,
			      m.memmap, m.memmap_on_memory, m.pgtable,
			      m.page_offline, sim.tot_pages,
			      m.nr_sections_present };
}

static void check_same(const struct snap *a, const struct snap *b)
{
	CHECK_EQ(a->present, b->present);
	CHECK_EQ(a->online, b->online);
	CHECK_EQ(a->managed, b->managed);
	CHECK_EQ(a->free, b->free);
	CHECK_EQ(a->reserved, b->reserved);
	CHECK_EQ(a->memmap, b->memmap);
	CHECK_EQ(a->memmap_on_memory, b->memmap_on_memory);
	CHECK_EQ(a->pgtable, b->pgtable);
	CHECK_EQ(a->page_offline, b->page_offline);
	CHECK_EQ(a->host, b->host);
	CHECK_EQ(a->blocks, b->blocks);
}

/* Boot at 256 MiB with room to grow by `room` pages; blocks go above RAM. */
static u64 boot(u64 room)
{
	bt_boot(room);
	sim.hotplug_base = 2 * SECTION_SIZE;
	return bt_stats().current;
}

static void go(u64 target)
{
	CHECK(balloon_set_target(target) >= 0);
	bt_run(NULL);
	bt_check();
}

TEST(balloon_hotplug_grow_and_shrink_back)
{
	u64 start = boot(MB(1024));
	struct snap s0 = snap();
	struct mm_stats m0 = mmt_stats();

	CHECK_EQ(balloon_max_target(), start + MB(1024));
	go(start + MB(300));
	struct balloon_stats b = bt_stats();

	CHECK_EQ(b.current, start + MB(300));
	CHECK_EQ(b.state, BALLOON_DONE);
	CHECK_EQ(b.blocks_added, 3);
	CHECK_EQ(b.blocks_now, 3);
	/* The memmap of the new blocks lives on them: nothing taken from boot RAM. */
	struct mm_stats m = mmt_stats();

	CHECK_EQ(m.memmap_on_memory, 3 * section_memmap_pages());
	CHECK_EQ(m.memmap, m0.memmap + 3 * section_memmap_pages());
	CHECK(m.free >= m0.free);
	go(start);
	b = bt_stats();
	CHECK_EQ(b.current, start);
	CHECK_EQ(b.blocks_removed, 3);
	CHECK_EQ(b.blocks_now, 0);
	CHECK_EQ(b.ballooned, 0);
	struct snap s1 = snap();

	check_same(&s0, &s1);
}

TEST(balloon_hotplug_ten_cycles_end_where_they_started)
{
	u64 start = boot(MB(1280));
	struct snap s0 = snap();

	for (int c = 0; c < 10; c++) {
		go(start + MB(1280));
		CHECK_EQ(bt_stats().current, start + MB(1280));
		CHECK_EQ(bt_stats().blocks_now, 10);
		go(start);
		struct snap s = snap();

		check_same(&s0, &s);
	}
	CHECK_EQ(bt_stats().blocks_added, 100);
	CHECK_EQ(bt_stats().blocks_removed, 100);
}

/*
 * The host gets its memory back first: going down, no block is removed
 * while the guest is above its target; the emptied blocks go after it
 * got there, one a balloon_work call (balloon.c).
 */
TEST(balloon_hotplug_removal_after_the_target)
{
	u64 start = boot(MB(1024));
	unsigned long steps, first_removal = 0, reached = 0;

	go(start + MB(300));
	CHECK(balloon_set_target(start) >= 0);
	for (steps = 1; steps < 1000; steps++) {
		u64 d = balloon_work(bt_now);
		struct balloon_stats b = bt_stats();

		if (!reached && b.current <= start)
			reached = steps;
		if (b.blocks_removed && !first_removal)
			first_removal = steps;
		if (b.blocks_removed)
			CHECK(b.current <= start);
		if (d != BALLOON_AGAIN)
			break;
	}
	bt_check();
	CHECK(reached && first_removal >= reached);
	CHECK_EQ(bt_stats().blocks_removed, 3);
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().state, BALLOON_DONE);
}

/* A used page keeps its block online; the balloon says what it holds there. */
TEST(balloon_hotplug_block_in_use_stays)
{
	u64 start = boot(MB(512));

	go(start + MB(200));
	CHECK_EQ(bt_stats().blocks_now, 2);
	struct page *p = mmt_alloc_in_block(3);

	CHECK(p != NULL);
	CHECK(balloon_set_target(start) >= 0);
	bt_run(NULL);
	struct balloon_stats b = bt_stats();

	CHECK_EQ(b.current, start);
	CHECK_EQ(b.blocks_now, 1);
	/* The used page and the memmap count as memory: the rest is found elsewhere. */
	CHECK_EQ(b.ballooned_online, BLOCK);
	/* Someone else offlining it is refused, naming the balloon. */
	CHECK_EQ(offline_memory_block(3), -EBUSY);
	CHECK(strstr(unit_log(), "holds"));
	free_page(p);
	bt_check();
	/* The next time the balloon goes down, it empties and removes it. */
	go(start - MB(1));
	CHECK_EQ(bt_stats().blocks_now, 0);
	go(start);
	CHECK_EQ(bt_stats().current, start);
}

TEST(balloon_hotplug_memmap_populate_short)
{
	u64 start = boot(MB(512));
	struct snap s0 = snap();

	sim.refuse_huge_populate = true;
	sim.free_frames = section_memmap_pages() - 1; /* one frame short */
	CHECK(balloon_set_target(start + MB(100)) >= 0);
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().blocks_now, 0);
	CHECK_EQ(bt_stats().reason, BALLOON_HOST_NO_MEMORY);
	struct snap s1 = snap();

	check_same(&s0, &s1);
	sim.free_frames = ~0ULL;
	bt_now += 2 * SEC;
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().current, start + MB(100));
	CHECK_EQ(bt_stats().blocks_now, 1);
}

TEST(balloon_hotplug_add_memory_fails)
{
	u64 start = boot(MB(512));
	struct snap s0 = snap();

	sim_mm_fail_direct_map = 1;
	CHECK(balloon_set_target(start + MB(100)) >= 0);
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().reason, BALLOON_ADD_FAILED);
	CHECK_EQ(bt_stats().blocks_now, 0);
	struct snap s1 = snap();

	check_same(&s0, &s1);
	bt_now += 2 * SEC;
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().current, start + MB(100));
}

static int veto(struct notifier_block *nb, unsigned long action, void *data)
{
	(void)nb, (void)data;
	return action == MEM_GOING_ONLINE ? notifier_from_errno(-EPERM) : NOTIFY_OK;
}

TEST(balloon_hotplug_online_refused)
{
	u64 start = boot(MB(512));
	struct snap s0 = snap();
	struct notifier_block nb = { .notifier_call = veto };

	CHECK_EQ(register_memory_notifier(&nb), 0);
	CHECK(balloon_set_target(start + MB(100)) >= 0);
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().reason, BALLOON_ADD_FAILED);
	struct snap s1 = snap();

	check_same(&s0, &s1);
	CHECK_EQ(unregister_memory_notifier(&nb), 0);
	bt_now += 2 * SEC;
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().current, start + MB(100));
}

/* The host will not take the memmap frames back: kept as strays, retried. */
TEST(balloon_hotplug_memmap_release_refused)
{
	u64 start = boot(MB(512));
	struct snap s0 = snap();

	go(start + MB(100));
	sim.refuse_huge_decrease = true;
	CHECK(balloon_set_target(start) >= 0);
	/* Run until the block is gone, then refuse the memmap frames. */
	for (int i = 0; i < 10000 && bt_stats().blocks_now; i++) {
		if (bt_stats().ballooned >= BLOCK - section_memmap_pages() - BALLOON_BATCH)
			sim.stop_after = 0;
		balloon_work(bt_now);
	}
	bt_now += 2 * SEC;
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().stray, 0);
	struct snap s1 = snap();

	check_same(&s0, &s1);
}

/*
 * A target a few pages past what the guest has: the block added for them
 * comes up with its memmap's whole 2 MiB extent backed, more than asked.
 * Going down empties it again, but removing it would drop below the target
 * and add it once more: it stays until nothing is lost by removing it.
 */
TEST(balloon_hotplug_few_pages_past_no_add_remove_loop)
{
	u64 start = boot(MB(512));
	struct snap s0 = snap();
	unsigned long steps;

	CHECK(balloon_set_target(start + 64) >= 0);
	for (steps = 0; steps < 1000 && balloon_work(bt_now) == BALLOON_AGAIN; steps++)
		;
	CHECK(steps < 100);
	bt_check();
	CHECK_EQ(bt_stats().current, start + 64);
	CHECK_EQ(bt_stats().blocks_added, 1);
	CHECK_EQ(bt_stats().blocks_removed, 0);
	/* back down: now the pages ballooned elsewhere can refill the memmap's */
	go(start);
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().blocks_now, 0);
	CHECK_EQ(bt_stats().ballooned, 0);
	struct snap s1 = snap();

	check_same(&s0, &s1);
}

/*
 * Used pages keep two added blocks online while going down takes boot
 * memory; freed, and back at the boot target, settling moves what is left
 * in the added blocks down into the boot blocks' ballooned pages, removes
 * the added blocks, and the guest is at its boot layout again. An emptied
 * boot block (memmap in boot memory) is kept, not removed: it could only
 * come back with its memmap on itself.
 */
TEST(balloon_hotplug_settles_back_to_the_boot_layout)
{
	u64 start = boot(MB(1024));
	struct snap s0 = snap();

	go(start + MB(512));
	CHECK_EQ(bt_stats().blocks_now, 4);
	struct page *a = mmt_alloc_in_block(4), *b = mmt_alloc_in_block(5);

	CHECK(a && b);
	CHECK(balloon_set_target(MB(100)) >= 0);
	bt_run(NULL); /* bt_check counts a and b as lost: not yet */
	CHECK_EQ(bt_stats().current, MB(100));
	CHECK_EQ(bt_stats().blocks_now, 2);
	CHECK_EQ(mmt_stats().nr_sections_present, s0.blocks + 2);
	free_page(a);
	free_page(b);
	go(start);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.state, BALLOON_DONE);
	CHECK_EQ(st.current, start);
	CHECK_EQ(st.blocks_now, 0);
	CHECK_EQ(st.ballooned, 0);
	struct snap s1 = snap();

	check_same(&s0, &s1);
}

/*
 * Boot at 256 MiB, grow by two blocks (2, 3), go down to 100 MiB with a
 * used page in block 3 (which keeps it): returns that page, *start the
 * boot target, *s0 the boot values.
 */
static struct page *pinned_at_100(u64 *start, struct snap *s0)
{
	struct page *a;

	*start = boot(MB(1024));
	*s0 = snap();
	go(*start + MB(256));
	a = mmt_alloc_in_block(3);
	CHECK(a != NULL);
	CHECK(balloon_set_target(MB(100)) >= 0);
	bt_run(NULL); /* not bt_check: it would count a as lost */
	CHECK_EQ(bt_stats().blocks_now, 1);
	return a;
}

/* Settling only moves free pages: a used page keeps its block. */
TEST(balloon_hotplug_settle_leaves_used_pages)
{
	u64 start;
	struct snap s0;
	struct page *a = pinned_at_100(&start, &s0);

	CHECK(balloon_set_target(start) >= 0);
	bt_run(NULL);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.state, BALLOON_DONE);
	CHECK_EQ(st.current, start);
	CHECK_EQ(st.blocks_now, 1);
	/* Block 3 holds the used page and its memmap, the rest of it is
	 * ballooned, and as many pages as those two are ballooned below. */
	CHECK_EQ(st.ballooned_online, BLOCK);
	free_page(a);
	bt_check();
}

/* The host out of memory between a settle batch's release and populate. */
static void host_runs_dry(void)
{
	sim.free_frames = 0;
}

static void then_host_runs_dry(void)
{
	sim.during = host_runs_dry; /* the next call: the batch's populate */
}

/*
 * Settling gives pages back first: when the host then has nothing to give,
 * the guest is short by that batch, says so and backs off like any short
 * step; once the host has memory again it reaches the target and settles.
 */
TEST(balloon_hotplug_settle_populate_short)
{
	u64 start;
	struct snap s0;

	free_page(pinned_at_100(&start, &s0));
	/* the same target again: at rest, so the first call settles */
	CHECK(balloon_set_target(MB(100)) >= 0);
	sim.during = then_host_runs_dry;
	u64 delay = bt_run(NULL);
	struct balloon_stats st = bt_stats();

	CHECK(delay > 0);
	CHECK_EQ(st.state, BALLOON_WAITING);
	CHECK_EQ(st.reason, BALLOON_HOST_NO_MEMORY);
	CHECK(st.current < MB(100));
	bt_check();
	sim.free_frames = ~0ULL;
	bt_now += delay;
	bt_run(NULL);
	st = bt_stats();
	CHECK_EQ(st.state, BALLOON_DONE);
	CHECK_EQ(st.current, MB(100));
	CHECK_EQ(st.blocks_now, 0);
	bt_check();
	go(start);
	struct snap s1 = snap();

	check_same(&s0, &s1);
}

/* Settling with the host refusing 2 MiB extents both ways: single pages. */
TEST(balloon_hotplug_settle_without_2m_extents)
{
	u64 start;
	struct snap s0;

	free_page(pinned_at_100(&start, &s0));
	sim.refuse_huge_populate = sim.refuse_huge_decrease = true;
	go(start);
	CHECK_EQ(bt_stats().blocks_now, 0);
	struct snap s1 = snap();

	check_same(&s0, &s1);
}

/* Past what the host allows: the target is clamped, nothing added. */
TEST(balloon_hotplug_clamped_by_host_and_address_space)
{
	u64 start = boot(MB(256));

	CHECK_EQ(balloon_set_target(start + MB(1024)), BALLOON_CLAMP_HOST_MAX);
	bt_run(NULL);
	bt_check();
	CHECK_EQ(bt_stats().current, start + MB(256));
	sim.max_pages = ~0ULL / 2;
	CHECK_EQ(balloon_set_target(~0ULL / 8), BALLOON_CLAMP_MAP);
	CHECK_EQ(bt_stats().target, (u64)SIM_NPFN - MB(256) + start);
}
