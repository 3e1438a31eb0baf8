/*
 * Randomized: the balloon going past its boot memory (hot-add) and back,
 * one balloon_work at a time, with new targets at any point of the way,
 * the guest holding and freeing pages, and the clock moving. After every
 * step the counters agree; now and then (and at every rest) bt_check's
 * whole-page walk.
 *
 * And background removal (balloon.c): blocks going down emptied are
 * removed only at the target, one a call; so at rest at the target no
 * block the balloon added is left with all its pages ballooned, unless
 * removing it would take the guest below its target with too few
 * ballooned pages elsewhere to make that up (hotplug.c,
 * removal_keeps_target): then the block stays.
 */
#include "unit.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include <ballast/memory.h>
#include <ballast/mm.h>

#define MB(n) ((u64)(n) * MiB / PAGE_SIZE)
#define ROOM MB(384)
#define STEPS 1200
#define NSEEDS 2
#define CHECK_EVERY 500

static u64 rng;
static u64 start;
static bool at_rest;

static u64 rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng >> 33;
}

/* Ballooned pages of added block nr (memmap on it), or -1: not one. */
static long added_block_ballooned(unsigned long nr)
{
	struct section_info si;
	unsigned long pfn = section_nr_to_pfn(nr), n = 0;

	if (mm_section_info(nr, &si) || si.state != SECTION_ONLINE ||
	    si.memmap_src != MEMMAP_ON_MEMORY)
		return -1;
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
		n += PageOffline(pfn_to_page(pfn + i));
	return (long)n;
}

/* At rest at the target: every block that could go is gone. */
static void check_removed(unsigned long *kept)
{
	struct balloon_stats b = bt_stats();
	unsigned long full = PAGES_PER_SECTION - section_memmap_pages();

	for (unsigned long nr = 0; nr < mm_nr_sections(); nr++) {
		long n = added_block_ballooned(nr);

		if (n < 0 || (unsigned long)n < full)
			continue;
		if (b.ballooned - (u64)n >= section_memmap_pages())
			unit_fail(__FILE__, __LINE__, "block %lu: emptied and kept at rest (%llu ballooned elsewhere)",
			     nr, (unsigned long long)(b.ballooned - (u64)n));
		++*kept;
	}
}

static void one_step(unsigned long *rests, unsigned long *kept)
{
	u64 r = rnd() % 100;

	if (r < 8) {
		CHECK(balloon_set_target(start / 2 + rnd() % (start / 2 + ROOM)) >= 0);
	} else if (r < 12) {
		bt_hold(rnd() % 4096);
	} else if (r < 14) {
		bt_release();
	} else if (r < 18) {
		bt_now += rnd() % (4 * SEC);
	} else {
		u64 d = balloon_work(bt_now);
		struct balloon_stats b = bt_stats();

		if (d > BALLOON_AGAIN)
			bt_now += d;
		/* Each time it comes to rest (a walk of the added blocks). */
		if (b.state == BALLOON_DONE && b.current == b.target && !at_rest) {
			check_removed(kept);
			++*rests;
		}
		at_rest = b.state == BALLOON_DONE;
	}
}

TEST(balloon_hotplug_model_random)
{
	unsigned long all_rests = 0;

	for (int seed = 1; seed <= NSEEDS; seed++) {
		unsigned long rests = 0, kept = 0;

		rng = (u64)seed;
		start = (bt_boot(ROOM), sim.hotplug_base = 2 * SECTION_SIZE,
			 bt_stats().current);
		for (int step = 1; step <= STEPS; step++) {
			one_step(&rests, &kept);
			if (step % CHECK_EVERY == 0)
				bt_check();
		}
		bt_release();
		CHECK(balloon_set_target(start) >= 0);
		bt_run(NULL);
		bt_check();
		check_removed(&kept);
		CHECK_EQ(bt_stats().blocks_now, 0);
		printf("    balloon hotplug model seed %d: %d steps, %lu rests at the target, "
		       "%lu emptied blocks kept there (removal_keeps_target); %llu added, "
		       "%llu removed\n", seed, STEPS, rests, kept,
		       (unsigned long long)bt_stats().blocks_added,
		       (unsigned long long)bt_stats().blocks_removed);
		all_rests += rests;
	}
	CHECK(all_rests > 0);
}
