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
#include <ballast/init.h>
#include <ballast/printk.h>
#include <ballast/timer.h>
#include <ballast/trace.h>

/* Longer than the longest backoff (32 s). */
#define BALLOON_LATEST_NS (64 * NSEC_PER_SEC)

static struct deferred_call balloon_call;
static bool running;

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
	defer_call(&balloon_call, 0, balloon_run, NULL);
}

static void balloon_watch(void)
{
	u64 want = balloon_next_run(), now;

	if (!want || running || !safety_nets)
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
