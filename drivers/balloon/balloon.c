/*
 * The balloon core's policy: the target, the backend, and the state
 * machine. balloon_work does one batch per call in the state it finds and
 * says when it wants the next call; the directions are in down.c, up.c
 * and settle.c, adopted pages in adopt.c (internal.h: the layers).
 *
 *   DONE      at rest (nothing to give back, at the target or no target
 *             yet), or gave up after the last retry until a new target
 *   DOWN, UP  one batch toward the target; frames still to give back
 *             (adopted PoD pages, a removed block's memmap) go first
 *   SETTLING  at the target: one batch moving memory down a block
 *   WAITING   stopped short: the same work again at retry_at
 *
 * A new target goes to DOWN, UP or SETTLING (balloon_set_target). A batch
 * that reaches the target settles in the same call.
 *
 * Blocks that going down emptied are removed (hotplug.c) only once at the
 * target, one a call, before settling, or when going down stops short:
 * the host gets its frames back first, removal (~15 ms a block under
 * nested PV: offline walk, memmap and table unmapping) is not in the time
 * to the target, and a new target that wants memory again while the
 * balloon is still on its way finds the emptied blocks there, ballooned,
 * and fills them without adding them again. Stopping short (no
 * free memory going down, the host out of memory or at its limit going
 * up) is normal: the balloon goes as far as it can, records why and by
 * how much, and retries after 1, 2, 4 ... 32 s; after that it waits in
 * DONE for a new target. A retry that moves pages starts the backoff over.
 */
#include <ballast/timer.h>
#include "internal.h"

struct balloon balloon = {
	.pend_small = { BALLOON_NO_PFN, 0 },
	.pend_huge = { BALLOON_NO_PFN, 0 },
	.removing = -1,
	.adding = -1,
};

/* Every order the backend takes is tried again (a new target, a retry). */
static void allow_huge(void)
{
	balloon.huge_up_refused = balloon.huge_down_refused = !balloon_huge_allowed();
}

int balloon_register_backend(const struct balloon_backend *be)
{
	int err = balloon_check_backend(be);

	if (err)
		return err;
	if (balloon.be)
		return -EBUSY;
	err = bal_blocks_init();
	if (!err)
		err = balloon_hotplug_init();
	if (err && err != -EEXIST)
		return err;
	balloon_scan_reset();
	balloon.be = be;
	allow_huge();
	return 0;
}

bool balloon_has_backend(void)
{
	return balloon.be != NULL;
}

const struct balloon_backend *balloon_get_backend(void)
{
	return balloon.be;
}

void balloon_set_kick(void (*kick)(void))
{
	balloon.kick = kick;
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
	if (!balloon_host_pages(&host_cur, &host_max))
		return reach();
	cur = balloon_current();
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

/*
 * Where the balloon goes from here: SETTLING when at rest (DONE and
 * WAITING are only ever exits of a batch). One read of the mm counters.
 */
static enum balloon_state next_state(void)
{
	u64 cur;

	if (pending())
		return BALLOON_DOWN;
	if (!balloon.target_set)
		return BALLOON_SETTLING;
	cur = balloon_current();
	return cur > balloon.target ? BALLOON_DOWN :
	       cur < balloon.target ? BALLOON_UP : BALLOON_SETTLING;
}

int balloon_set_target(u64 pages)
{
	enum balloon_clamp c;

	if (!balloon.be)
		return -ENODEV;
	balloon.targets++;
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
	allow_huge();
	balloon.timing = true;
	balloon_times_now(&balloon.at_start);
	balloon.work_started = clock_ns();
	balloon_scan_reset();
	/* Lower: blocks kept for the old target may go now. Higher: none may
	 * (and a 1 TiB guest's 8,192 blocks are not walked at every target). */
	if (pages < balloon_current())
		balloon_recheck_all();
	balloon.state = next_state();
	if (balloon.kick) {
		balloon.next_run = balloon.work_started;
		balloon.kick();
	}
	return (int)c;
}

/* DOWN or UP: one batch, frames still to give back first; nothing (and
 * BALLOON_OK) when already at rest. */
static enum balloon_reason move(void)
{
	u64 cur;

	if (balloon_has_strays())
		return balloon_release_strays();
	if (pending())
		return balloon_release_pending();
	if (!balloon.target_set)
		return BALLOON_OK;
	cur = balloon_current();
	if (cur > balloon.target)
		return balloon_down(cur - balloon.target);
	if (cur < balloon.target)
		return balloon_up(balloon.target - cur);
	return BALLOON_OK;
}

static u64 moved(void)
{
	return balloon.pages_up + balloon.pages_down;
}

/* Stopped short: note why; the ns to the retry, 0 after the last one. */
static u64 backoff(enum balloon_reason why, bool moved_some, u64 now)
{
	u64 delay;

	balloon.reason = why;
	balloon.shortfall = pending() ? pending_pages() : distance();
	if (moved_some)
		balloon.retries = 0;
	if (balloon.retries == BALLOON_MAX_RETRIES) {
		pr_notice("balloon: stopped %llu KiB short (%s); waiting for a new target\n",
			  (unsigned long long)balloon.shortfall * 4,
			  balloon_reason_name(why));
		balloon.gave_up = true;
		return 0;
	}
	delay = BALLOON_BACKOFF_FIRST_NS << balloon.retries++;
	balloon.retry_at = now + delay;
	return delay;
}

/* Reached the target: how long it took since the target changed. */
static void note_done(void)
{
	if (balloon.timing) {
		balloon.last_took_ns = clock_ns() - balloon.work_started;
		balloon_times_now(&balloon.last);
		balloon_times_sub(&balloon.last, &balloon.at_start);
		balloon.timing = false;
	}
}

/* The delay balloon_work returns, kept for the `balloon` command, so a
 * balloon that stopped being run shows as overdue. */
static u64 ask(u64 now, u64 delay)
{
	balloon.next_run = !delay ? 0 : delay == BALLOON_AGAIN ? now : now + delay;
	return delay;
}

static u64 work(u64 now)
{
	enum balloon_reason why;
	u64 before, delay;

	balloon.runs++;
	balloon.last_run = now;
	for (;;) {
		switch (balloon.state) {
		case BALLOON_WAITING:
			if (now < balloon.retry_at)
				return ask(now, balloon.retry_at - now);
			allow_huge(); /* a retry tries 2 MiB extents again */
			balloon.state = next_state();
			break;
		case BALLOON_DONE:
			if (balloon.gave_up)
				return ask(now, 0); /* until a new target */
			balloon.state = next_state(); /* new work, or settling */
			break;
		case BALLOON_DOWN:
		case BALLOON_UP:
			before = moved();
			why = move();
			if (why != BALLOON_OK) {
				if (balloon.state == BALLOON_DOWN && balloon_remove_one()) {
					balloon.state = next_state();
					return ask(now, BALLOON_AGAIN);
				}
				delay = backoff(why, moved() != before, now);
				balloon.state = delay ? BALLOON_WAITING : BALLOON_DONE;
				return ask(now, delay);
			}
			balloon.retries = 0;
			balloon.state = next_state();
			if (balloon.state != BALLOON_SETTLING)
				return ask(now, BALLOON_AGAIN);
			break; /* at the target: settle in this call */
		case BALLOON_SETTLING:
			balloon.state = next_state();
			if (balloon.state != BALLOON_SETTLING)
				break; /* not at rest (any more) */
			note_done();
			balloon.retries = 0;
			if (balloon_remove_one())
				return ask(now, BALLOON_AGAIN); /* one a call */
			why = balloon.target_set ? balloon_settle() : BALLOON_NO_PAGES;
			balloon.state = next_state();
			if (balloon.state != BALLOON_SETTLING) /* its populate fell short: go up */
				return ask(now, BALLOON_AGAIN);
			if (why == BALLOON_OK)
				return ask(now, BALLOON_AGAIN); /* more to move */
			balloon.state = BALLOON_DONE;
			return ask(now, 0);
		default:
			BUG_ON(1); /* not a state */
		}
	}
}

/* One batch; the time inside counts as the balloon's work (work_ns). */
u64 balloon_work(u64 now)
{
	u64 t0 = clock_ns(), delay;

	if (!balloon.be)
		return ask(now, 0);
	delay = work(now);
	balloon.t.work_ns += clock_ns() - t0;
	return delay;
}

u64 balloon_next_run(void)
{
	return balloon.next_run;
}

void balloon_set_scrub(bool on)
{
	balloon.scrub_off = !on;
}

void balloon_note_rearmed(void)
{
	balloon.rearmed++;
}
