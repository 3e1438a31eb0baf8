/*
 * Kernel glue: runs balloon_work from deferred calls, one batch per call,
 * so other deferred work (xenstore, the console) runs between batches and
 * an idle or backing-off balloon costs no CPU. The core kicks it when a new
 * target or adopted pages bring work.
 */
#include <ballast/balloon.h>
#include <ballast/init.h>
#include <ballast/timer.h>

static struct deferred_call balloon_call;

static void balloon_run(void *arg)
{
	u64 delay = balloon_work(clock_ns());

	if (delay)
		defer_call(&balloon_call, delay == BALLOON_AGAIN ? 0 : delay,
			   balloon_run, NULL);
}

/* New work: run at once (re-arms a pending backoff call). */
void balloon_schedule(void)
{
	defer_call(&balloon_call, 0, balloon_run, NULL);
}

static int balloon_sched_init(void)
{
	balloon_set_kick(balloon_schedule);
	return 0;
}
/* Before any backend registers (INIT_LEVEL_MM) and adopts pages. */
INIT_HOOK(balloon_sched, balloon_sched_init, INIT_LEVEL_MM - 1);
