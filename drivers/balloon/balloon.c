/*
 * The balloon core's state machine: the target, the backend, and
 * balloon_work, which does one batch per call and says when it wants the
 * next. Directions are in down.c and up.c, adopted pages in adopt.c.
 *
 * Stopping short (no free memory going down, the host out of memory or at
 * its limit going up) is normal: the balloon goes as far as it can, records
 * why and by how much, and retries after 1, 2, 4 ... 32 s; after that it
 * waits for a new target. A retry that moves pages starts the backoff over.
 */
#include <ballast/timer.h>
#include "internal.h"

struct balloon balloon = {
	.pend_small = { BALLOON_NO_PFN, 0 },
	.pend_huge = { BALLOON_NO_PFN, 0 },
	.removing = -1,
	.adding = -1,
};

int balloon_register_backend(const struct balloon_backend *be)
{
	if (!be || !be->populate || !be->decrease || !be->max_pages ||
	    !be->current_pages)
		return -EINVAL;
	if (balloon.be)
		return -EBUSY;
	int err = bal_blocks_init();

	if (!err)
		err = balloon_hotplug_init();
	if (err && err != -EEXIST)
		return err;
	balloon_scan_reset();
	balloon.be = be;
	return 0;
}

void balloon_unregister_backend(void)
{
	balloon.be = NULL;
}

bool balloon_has_backend(void)
{
	return balloon.be != NULL;
}

void balloon_set_kick(void (*kick)(void))
{
	balloon.kick = kick;
}

u64 balloon_current(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st.present - balloon.ballooned;
}

/* Pages the guest could have: its RAM and the blocks it may still add. */
static u64 reach(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st.present + balloon_addable_pages();
}

u64 balloon_max_target(void)
{
	u64 cur, host_cur, host_max, max;

	if (!balloon.be)
		return 0;
	cur = balloon_current();
	host_cur = balloon.be->current_pages();
	host_max = balloon.be->max_pages();
	/*
	 * The host counts frames the guest does not (rings, tables), a
	 * constant: the guest may move by what the host still allows.
	 */
	if (host_max >= host_cur)
		max = cur + (host_max - host_cur);
	else
		max = cur > host_cur - host_max ? cur - (host_cur - host_max) : 0;
	return MIN(max, reach());
}

static enum balloon_clamp clamp_target(u64 *pages)
{
	u64 max = balloon_max_target();

	if (*pages < BALLOON_MIN_TARGET) {
		*pages = BALLOON_MIN_TARGET;
		return BALLOON_CLAMP_MIN;
	}
	if (*pages > max) {
		*pages = max;
		return max < reach() ? BALLOON_CLAMP_HOST_MAX : BALLOON_CLAMP_MAP;
	}
	return BALLOON_CLAMP_NONE;
}

int balloon_set_target(u64 pages)
{
	enum balloon_clamp c;
	u64 cur;

	if (!balloon.be)
		return -ENODEV;
	balloon.requested = pages;
	c = clamp_target(&pages);
	if (c != BALLOON_CLAMP_NONE)
		pr_notice("balloon: target %llu KiB clamped to %llu KiB (%s)\n",
			  (unsigned long long)balloon.requested * 4,
			  (unsigned long long)pages * 4, balloon_clamp_name(c));
	balloon.target = pages;
	balloon.target_set = true;
	balloon.clamp = c;
	/* A new target is a fresh start: no backoff, every order allowed. */
	balloon.gave_up = false;
	balloon.retries = 0;
	balloon.retry_at = 0;
	balloon.huge_up_refused = balloon.huge_down_refused = false;
	balloon.timing = true;
	balloon.work_started = clock_ns();
	balloon_scan_reset();
	balloon_recheck_all();
	cur = balloon_current();
	balloon.state = cur > pages ? BALLOON_DOWN :
			cur < pages ? BALLOON_UP : BALLOON_DONE;
	if (balloon.kick) {
		balloon.next_run = balloon.work_started;
		balloon.kick();
	}
	return (int)c;
}

static u64 distance(void)
{
	u64 cur = balloon_current();

	return cur > balloon.target ? cur - balloon.target : balloon.target - cur;
}

/* Frames to give back before anything else: adopted PoD, strays. */
static bool pending(void)
{
	return balloon.pend_small.nr || balloon.pend_huge.nr ||
	       balloon.pod_absent[0].nr || balloon_has_strays();
}

static u64 pending_pages(void)
{
	u64 n = balloon.pend_small.nr + balloon.pend_huge.nr * BALLOON_HUGE_PAGES;

	for (int i = 0; i < BALLOON_STRAY_MAX; i++)
		n += balloon.pod_absent[i].nr + balloon.stray[i].nr;
	return n;
}

/* Stopped short: note why, then back off or give up. */
static u64 stop_short(enum balloon_reason why, bool moved, u64 now)
{
	u64 delay;

	balloon.reason = why;
	balloon.shortfall = pending() ? pending_pages() : distance();
	if (moved)
		balloon.retries = 0;
	if (balloon.retries == BALLOON_MAX_RETRIES) {
		pr_notice("balloon: stopped %llu KiB short (%s); waiting for a new target\n",
			  (unsigned long long)balloon.shortfall * 4,
			  balloon_reason_name(why));
		balloon.state = BALLOON_DONE;
		balloon.gave_up = true;
		return 0;
	}
	delay = BALLOON_BACKOFF_FIRST_NS << balloon.retries++;
	balloon.state = BALLOON_WAITING;
	balloon.retry_at = now + delay;
	return delay;
}

static enum balloon_reason step(void)
{
	u64 cur;

	if (balloon_has_strays())
		return balloon_release_strays();
	if (pending())
		return balloon_release_pending();
	cur = balloon_current();
	if (cur > balloon.target) {
		balloon.state = BALLOON_DOWN;
		return balloon_down(cur - balloon.target);
	}
	balloon.state = BALLOON_UP;
	return balloon_up(balloon.target - cur);
}

static bool at_rest(void)
{
	return !pending() &&
	       (!balloon.target_set || balloon_current() == balloon.target);
}

/* Reached the target: how long it took since the target changed. */
static void note_done(void)
{
	if (balloon.timing) {
		balloon.last_took_ns = clock_ns() - balloon.work_started;
		balloon.timing = false;
	}
}

/* At the target: settle (settle.c) a batch at a time, then done. */
static u64 settle(void)
{
	enum balloon_reason why = BALLOON_NO_PAGES;

	note_done();
	balloon.retries = 0;
	if (balloon.target_set)
		why = balloon_settle();
	if (!at_rest())
		return BALLOON_AGAIN; /* its populate fell short: go up */
	if (why == BALLOON_OK) {
		balloon.state = BALLOON_SETTLING;
		return BALLOON_AGAIN;
	}
	balloon.state = BALLOON_DONE;
	return 0;
}

static u64 work_once(u64 now)
{
	u64 moved_before;
	enum balloon_reason why;

	if (!balloon.be)
		return 0;
	if (balloon.state == BALLOON_WAITING) {
		if (now < balloon.retry_at)
			return balloon.retry_at - now;
		balloon.huge_up_refused = balloon.huge_down_refused = false;
	}
	if (balloon.gave_up)
		return 0;
	if (at_rest())
		return settle();
	moved_before = balloon.pages_up + balloon.pages_down;
	why = step();
	if (why != BALLOON_OK)
		return stop_short(why, balloon.pages_up + balloon.pages_down !=
					       moved_before, now);
	balloon.retries = 0;
	if (at_rest())
		return settle();
	return BALLOON_AGAIN;
}

/* One batch; the next run it asks for is kept for the `balloon` command,
 * so a balloon that stopped being run shows as overdue. */
u64 balloon_work(u64 now)
{
	u64 delay = work_once(now);

	balloon.next_run = !delay ? 0 : delay == BALLOON_AGAIN ? now : now + delay;
	return delay;
}

u64 balloon_next_run(void)
{
	return balloon.next_run;
}

void balloon_note_rearmed(void)
{
	balloon.rearmed++;
}
