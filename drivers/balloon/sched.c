/*
 * Kernel glue: runs balloon_work from deferred calls, one batch per call,
 * so other deferred work (xenstore, the console) runs between batches and
 * an idle or backing-off balloon costs no CPU. Whoever registers a backend
 * also calls balloon_set_kick(balloon_schedule).
 *
 * The deferred-call API (ballast/timer.h) comes with the layout work on
 * main; until this branch meets it, this file builds to nothing.
 */
#include <ballast/balloon.h>

#if __has_include(<ballast/timer.h>)
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
#endif
