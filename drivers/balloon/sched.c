/*
 * Kernel glue: runs balloon_work from deferred calls, one batch per call,
 * so other deferred work (xenstore, the console) runs between batches and
 * an idle or backing-off balloon costs no CPU. The core kicks it when a new
 * target or adopted pages bring work.
 *
 * An idle poll checks that the call is there whenever the core wants one
 * (the kernel's one safety net against a lost wakeup: docs/incidents.md).
 * If the call is missing, or due later than any backoff asks, it is
 * re-armed and counted (`balloon` shows `rearmed:`, and the Xen rig fails
 * a scenario that sees it), so such a loss costs one idle pass.
 * `safety_nets=off` turns it off.
 */
#include <ballast/balloon.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/printk.h>
#include <ballast/timer.h>
#include <ballast/trace.h>

/* Longer than the longest backoff (32 s). */
#define BALLOON_LATEST_NS (64 * NSEC_PER_SEC)

static struct deferred_call balloon_call;
static bool running;
static bool parked; /* suspended: no batch may start */

static void balloon_run(void *arg)
{
	u64 delay;

	running = true;
	delay = balloon_work(clock_ns());
	running = false;
	/* delay: 0 none, 1 at once, else us */
	trace_wake("balloon", delay == BALLOON_AGAIN ? 1 : delay / 1000, balloon_next_run() / 1000);
	if (delay)
		defer_call(&balloon_call, delay == BALLOON_AGAIN ? 0 : delay,
			   balloon_run, NULL);
}

/* New work: run at once (re-arms a pending backoff call). */
void balloon_schedule(void)
{
	if (parked)
		return; /* resume schedules it */
	defer_call(&balloon_call, 0, balloon_run, NULL);
}

static void balloon_watch(void)
{
	u64 want = balloon_next_run(), now;

	if (!want || running || parked || !safety_nets)
		return;
	now = clock_ns();
	if (balloon_call.queued && balloon_call.deadline <= now + BALLOON_LATEST_NS)
		return;
	balloon_note_rearmed();
	pr_warn("balloon: its work was not scheduled (%s): run again\n",
		balloon_call.queued ? "due too late" : "missing");
	/* a wish past the longest backoff is as broken as the call: now */
	defer_call(&balloon_call,
		   want > now && want - now <= BALLOON_LATEST_NS ? want - now : 0,
		   balloon_run, NULL);
}

static struct idle_poll balloon_poll = { .fn = balloon_watch };

static int balloon_sched_init(void)
{
	balloon_set_kick(balloon_schedule);
	idle_poll_register(&balloon_poll);
	return 0;
}
/* Before any backend registers (INIT_LEVEL_MM) and adopts pages. */
INIT_HOOK(balloon_sched, balloon_sched_init, INIT_LEVEL_MM - 1);

/*
 * Suspend between batches: a batch runs whole within one deferred call, so
 * with the call taken off no frame is half given back while the domain is
 * saved. After resume the call runs at once: in a new domain the target
 * and what the host allows may have changed (the core asks again).
 */
static int balloon_park(void)
{
	if (running)
		return -EBUSY; /* suspended from inside a batch: cannot be */
	parked = true;
	defer_cancel(&balloon_call);
	return 0;
}

static void balloon_unpark(bool cancelled)
{
	parked = false;
	balloon_schedule();
}
SUSPEND_HOOK(balloon_sched, balloon_park, balloon_unpark, INIT_LEVEL_MM - 1);
