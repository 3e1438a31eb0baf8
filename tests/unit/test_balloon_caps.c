/*
 * The backend's capabilities (struct balloon_backend): the core follows
 * each one and holds no host's rule itself. Each test registers a copy of
 * the sim backend with one capability changed (bt_use_backend).
 */
#include "unit.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/shell.h>

#define MB(n) ((u64)(n) * MiB / PAGE_SIZE)

static struct balloon_backend be; /* the copy registered by a test */

static int run(const char *line)
{
	unit_log_clear();
	return shell_run_line(line);
}

/* ---- scrub --------------------------------------------------------------- */

/* Pages reaching decrease: still all PAGE_POISON (untouched since the
 * allocator freed them), all zero (scrubbed), or neither. */
static u64 seen_poison, seen_zero, seen_other;

static void look_at(unsigned long pfn)
{
	const u8 *b = sim_mm_frame(PFN_PHYS(pfn));
	u64 poison = 0, zero = 0;

	if (!b)
		return;
	for (unsigned long k = 0; k < PAGE_SIZE; k++) {
		poison += b[k] == PAGE_POISON;
		zero += b[k] == 0;
	}
	seen_poison += poison == PAGE_SIZE;
	seen_zero += zero == PAGE_SIZE;
	seen_other += poison != PAGE_SIZE && zero != PAGE_SIZE;
}

static long looking_decrease(const unsigned long *pfns, unsigned long nr,
			     unsigned int order)
{
	for (unsigned long i = 0; i < nr; i++)
		for (unsigned long k = 0; k < (1UL << order); k++)
			look_at(pfns[i] + k);
	return sim_backend.decrease(pfns, nr, order);
}

/* Down by 64 MiB and 5 pages (2 MiB extents and single pages), and back. */
static void down_and_back(bool scrub, const char *cmd)
{
	u64 start;

	bt_boot(MB(64));
	be = sim_backend;
	be.scrub = scrub;
	be.decrease = looking_decrease;
	bt_use_backend(&be);
	sim.discards = !scrub;
	if (cmd) {
		CHECK_EQ(run(cmd), 0);
		CHECK(strstr(unit_log(), "balloon: scrub"));
		sim.discards = true; /* a host that scrubs what it is given */
	}
	seen_poison = seen_zero = seen_other = 0;
	start = bt_stats().current;
	CHECK(page_poisoning);
	CHECK(balloon_set_target(start - MB(64) - 5) >= 0);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - MB(64) - 5);
	CHECK_EQ(bt_stats().huge_down, 32);
	bt_check();
	CHECK(balloon_set_target(start) >= 0);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start);
	bt_check();
}

TEST(balloon_caps_no_scrub_leaves_pages_as_the_allocator_left_them)
{
	down_and_back(false, NULL);
	/* Every page went to the host as the allocator's poison left it. */
	CHECK_EQ(seen_poison, MB(64) + 5);
	CHECK_EQ(seen_zero + seen_other, 0);
	CHECK_EQ(sim.released, MB(64) + 5);
}

TEST(balloon_caps_scrub_zeroes_every_page)
{
	down_and_back(true, NULL);
	CHECK_EQ(seen_zero, MB(64) + 5);
	CHECK_EQ(seen_poison + seen_other, 0);
	CHECK_EQ(bt_stats().scrub_pages, MB(64) + 5);
	CHECK(bt_stats().scrub);
}

/* A host that scrubs itself: `balloon scrub off`, and nothing is zeroed. */
TEST(balloon_caps_scrub_off_leaves_pages_alone)
{
	down_and_back(true, "balloon scrub off");
	CHECK_EQ(seen_poison, MB(64) + 5);
	CHECK_EQ(seen_zero + seen_other, 0);
	CHECK_EQ(bt_stats().scrub_pages, 0);
	CHECK(!bt_stats().scrub);
	CHECK_EQ(run("balloon scrub maybe"), -EINVAL);
	CHECK(strstr(unit_log(), "want on or off"));
	CHECK_EQ(run("balloon scrub on"), 0);
	CHECK(bt_stats().scrub);
}

/* ---- max_order ------------------------------------------------------------ */

static void go(u64 target)
{
	CHECK(balloon_set_target(target) >= 0);
	bt_run(NULL);
	bt_check();
}

/*
 * Order 0 everywhere: adopted PoD runs, down, up, a hot-added block's
 * memmap, settling, removal. Not one call of order 9 reaches the backend
 * (backend.c would BUG on one: max_order is 0).
 */
TEST(balloon_caps_max_order_0_never_sends_2m_extents)
{
	struct page *pinned;
	unsigned long pfn;
	u64 start;

	bt_boot(MB(1024));
	sim.hotplug_base = 2 * SECTION_SIZE;
	be = sim_backend;
	be.max_order = 0;
	bt_use_backend(&be);
	pfn = bt_offline_run(1024, true);
	CHECK_EQ(balloon_adopt(pfn, 1024, BALLOON_ADOPT_POD), 0);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().pending, 0);
	start = bt_stats().current;
	bt_check();
	go(start - MB(64));
	go(start + MB(256)); /* blocks 2 and 3 added (start is 4 MiB down: PoD) */
	CHECK_EQ(bt_stats().blocks_now, 2);
	pinned = mmt_alloc_in_block(3);
	CHECK(pinned != NULL);
	CHECK(balloon_set_target(MB(100)) >= 0);
	bt_run(NULL); /* not bt_check: it counts the pinned page as lost */
	free_page(pinned);
	go(start); /* settles back and removes the block */
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().blocks_now, 0);
	CHECK(bt_stats().blocks_added >= 2);
	CHECK_EQ(bt_stats().blocks_removed, bt_stats().blocks_added);
	CHECK_EQ(sim.order_calls[BALLOON_HUGE_ORDER], 0);
	CHECK(sim.order_calls[0] > 0);
	CHECK_EQ(bt_stats().huge_up + bt_stats().huge_down, 0);
	CHECK_EQ(sim.huge_populated + sim.huge_released, 0);
}

/* The same walk with the sim backend as it is does use 2 MiB extents. */
TEST(balloon_caps_max_order_9_uses_2m_extents)
{
	u64 start;

	bt_boot(MB(1024));
	sim.hotplug_base = 2 * SECTION_SIZE;
	start = bt_stats().current;
	go(start - MB(64));
	go(start + MB(256));
	go(start);
	CHECK(sim.order_calls[BALLOON_HUGE_ORDER] > 0);
	CHECK(sim.huge_populated > 0 && sim.huge_released > 0);
}

/* ---- host_limit --------------------------------------------------------- */

static void no_host_limit(void)
{
	be = sim_backend;
	be.host_limit = false;
	be.max_pages = NULL;
	be.current_pages = NULL;
	bt_use_backend(&be);
}

TEST(balloon_caps_no_host_limit_reach_is_the_bound)
{
	u64 start, max;

	bt_boot(0);
	sim.hotplug_base = 2 * SECTION_SIZE;
	no_host_limit();
	start = bt_stats().current;
	max = balloon_max_target();
	/* The guest's RAM and every block it may add, not the host's limit. */
	CHECK_EQ(max, mmt_stats().present + (mm_nr_sections() - 2) * PAGES_PER_SECTION);
	CHECK_EQ(balloon_set_target(max + 1), BALLOON_CLAMP_MAP);
	CHECK_EQ(bt_stats().target, max);
	/* A block is added with no host count asked for. */
	sim.max_pages = ~0ULL;
	go(start + MB(64));
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.current, start + MB(64));
	CHECK_EQ(st.blocks_now, 1);
	CHECK(!st.host_limit);
	CHECK_EQ(st.host_current, 0);
	CHECK_EQ(st.host_max, 0);
	go(start);
	CHECK_EQ(bt_stats().blocks_now, 0);
}

/* Up from 64 MiB below the boot size, the host's maximum lowered by 8 MiB
 * meanwhile: the reason the balloon gives for stopping short. */
static enum balloon_reason up_against_the_host(bool limit)
{
	u64 start;

	bt_boot(0);
	if (!limit)
		no_host_limit();
	start = bt_stats().current;
	go(start - MB(64));
	CHECK(balloon_set_target(start) >= 0);
	sim.max_pages -= MB(8);
	CHECK_EQ(bt_run(NULL), SEC);
	CHECK_EQ(bt_stats().current, start - MB(8));
	bt_check();
	return bt_stats().reason;
}

TEST(balloon_caps_host_limit_says_host_max)
{
	CHECK_EQ(up_against_the_host(true), BALLOON_HOST_MAX);
}

TEST(balloon_caps_no_host_limit_never_says_host_max)
{
	CHECK_EQ(up_against_the_host(false), BALLOON_HOST_NO_MEMORY);
}

TEST(balloon_caps_cmd_without_host_limit)
{
	bt_boot(0);
	no_host_limit();
	CHECK_EQ(run("balloon"), 0);
	CHECK(strstr(unit_log(), "backend:     sim\n"));
	CHECK(strstr(unit_log(), "(the host sets no limit)"));
	CHECK(!strstr(unit_log(), "host:"));
}

/* ---- show, and the backend line --------------------------------------- */

static void sim_show(void)
{
	printk("sim:         its own line\n");
}

TEST(balloon_caps_cmd_shows_the_backend)
{
	const char *log, *backend, *state, *own, *next;

	bt_boot(MB(64));
	CHECK_EQ(run("balloon"), 0);
	CHECK(strstr(unit_log(), "backend:     sim\n"));
	CHECK(strstr(unit_log(), "(host: "));
	CHECK(!strstr(unit_log(), "its own line"));
	be = sim_backend;
	be.show = sim_show;
	bt_use_backend(&be);
	CHECK_EQ(run("balloon"), 0);
	log = unit_log();
	backend = strstr(log, "backend:");
	state = strstr(log, "state:");
	next = strstr(log, "next batch:");
	own = strstr(log, "sim:         its own line");
	CHECK(backend && state && next && own);
	CHECK(backend < state); /* near the top */
	CHECK(next < own);      /* after the core's lines */
}

/* ---- pfn_shift, and what registering checks ------------------------------ */

TEST(balloon_caps_register_refuses_what_the_core_cannot_drive)
{
	bt_boot(MB(64));
	balloon_unregister_backend();
	be = sim_backend;
	be.pfn_shift = 16; /* 64 KiB pfns */
	CHECK_EQ(balloon_register_backend(&be), -EINVAL);
	be = sim_backend;
	be.max_pages = NULL; /* a host limit it cannot tell */
	CHECK_EQ(balloon_register_backend(&be), -EINVAL);
	be = sim_backend;
	be.populate = NULL;
	CHECK_EQ(balloon_register_backend(&be), -EINVAL);
	CHECK(!balloon_has_backend());
	CHECK_EQ(balloon_register_backend(&sim_backend), 0);
	CHECK(balloon_get_backend() == &sim_backend);
}

/* ---- tell_before_reuse ----------------------------------------------------- */

/* The next populate times out; `acted`: the host did back the frames (its
 * answer is what got lost), else it did nothing. */
static bool timeout_next, acted;

static long timing_out_populate(const unsigned long *pfns, unsigned long nr,
				unsigned int order)
{
	if (!timeout_next)
		return sim_backend.populate(pfns, nr, order);
	timeout_next = false;
	if (acted)
		CHECK_EQ(sim_backend.populate(pfns, nr, order), (long)nr);
	return -ETIMEDOUT;
}

/* 8 MiB down over a sim backend whose populate can time out; returns
 * where it started. */
static u64 down_8m_timing_out(bool tell_before_reuse)
{
	u64 start;

	bt_boot(MB(64));
	be = sim_backend;
	be.tell_before_reuse = tell_before_reuse;
	be.populate = timing_out_populate;
	bt_use_backend(&be);
	start = bt_stats().current;
	go(start - MB(8));
	return start;
}

TEST(balloon_caps_reuse_without_the_hosts_answer)
{
	u64 start = down_8m_timing_out(false);

	timeout_next = acted = true;
	go(start);
	/* The pages came back to the allocator all the same, counted. */
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().untold, MB(8));
	CHECK_EQ(bt_stats().reason, BALLOON_OK);
	CHECK_EQ(run("balloon"), 0);
	CHECK(strstr(unit_log(), "untold:      8192 KiB"));
}

TEST(balloon_caps_tell_before_reuse_keeps_pages_ballooned)
{
	u64 start = down_8m_timing_out(true); /* as the sim backend says */

	timeout_next = true;
	acted = false;
	CHECK(balloon_set_target(start) >= 0);
	CHECK_EQ(bt_run(NULL), SEC);
	CHECK_EQ(bt_stats().reason, BALLOON_BACKEND_ERROR);
	CHECK_EQ(bt_stats().current, start - MB(8));
	CHECK_EQ(bt_stats().untold, 0);
	bt_check();
	bt_now += SEC;
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start);
	bt_check();
}
