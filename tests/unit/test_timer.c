/* kernel/timer.c: deferred calls, sleeping and the idle step on a fake clock. */
#include <ballast/timer.h>
#include "sim_platform.h"
#include "unit.h"

static u64 ran_at[4];
static int order[4], nr_ran;

static void note(void *arg)
{
	int i = (int)(long)arg;

	ran_at[i] = clock_ns();
	order[nr_ran++] = i;
}

static void reset(void)
{
	sim_platform_reset();
	nr_ran = 0;
	memset(ran_at, 0, sizeof(ran_at));
}

TEST(timer_deferred_calls_run_in_deadline_order)
{
	struct deferred_call a = { 0 }, b = { 0 }, c = { 0 };

	reset();
	defer_call(&a, 30 * NSEC_PER_MSEC, note, (void *)0);
	defer_call(&b, 10 * NSEC_PER_MSEC, note, (void *)1);
	defer_call(&c, 20 * NSEC_PER_MSEC, note, (void *)2);
	run_deferred();
	CHECK_EQ(nr_ran, 0); /* nothing due yet */
	sleep_ms(100);
	CHECK_EQ(nr_ran, 3);
	CHECK_EQ(order[0], 1);
	CHECK_EQ(order[1], 2);
	CHECK_EQ(order[2], 0);
	CHECK_EQ(ran_at[1], 10 * NSEC_PER_MSEC);
	CHECK_EQ(ran_at[0], 30 * NSEC_PER_MSEC);
	CHECK_EQ(clock_ns(), 100 * NSEC_PER_MSEC);
}

TEST(timer_cancel_and_rearm)
{
	struct deferred_call a = { 0 };

	reset();
	defer_call(&a, 10 * NSEC_PER_MSEC, note, (void *)0);
	defer_cancel(&a);
	CHECK(!a.queued);
	defer_call(&a, 50 * NSEC_PER_MSEC, note, (void *)1);
	defer_call(&a, 5 * NSEC_PER_MSEC, note, (void *)2); /* re-arms */
	sleep_ms(100);
	CHECK_EQ(nr_ran, 1);
	CHECK_EQ(order[0], 2);
	CHECK_EQ(ran_at[2], 5 * NSEC_PER_MSEC);
}

TEST(timer_idle_once_sleeps_until_the_next_deadline)
{
	struct deferred_call a = { 0 };

	reset();
	defer_call(&a, 7 * NSEC_PER_MSEC, note, (void *)3);
	idle_once();
	CHECK_EQ(nr_ran, 1);
	CHECK_EQ(ran_at[3], 7 * NSEC_PER_MSEC);
	CHECK_EQ(sim_idle_calls, 1);
}

/* A call that asks to run again at once, as the balloon does between
 * batches, `again` times. */
static struct deferred_call rerun_call;
static int again, reruns;

static void rerun(void *arg)
{
	reruns++;
	if (again-- > 0)
		defer_call(&rerun_call, 0, rerun, arg);
}

TEST(timer_idle_once_does_not_sleep_while_a_call_is_due)
{
	reset();
	reruns = 0;
	again = 3;
	defer_call(&rerun_call, 0, rerun, NULL);
	for (int i = 0; i < 3; i++)
		idle_once();
	CHECK_EQ(reruns, 3);
	CHECK_EQ(sim_idle_calls, 0); /* back to back, no sleep between */
	idle_once(); /* the last run asks for no more: then it sleeps */
	CHECK_EQ(reruns, 4);
	CHECK_EQ(sim_idle_calls, 1);
}

static int polled;
static void poll_fn(void)
{
	polled++;
}

TEST(timer_idle_pollers_run_with_deferred_work)
{
	static struct idle_poll p = { .fn = poll_fn };
	static bool registered;

	reset();
	if (!registered) {
		idle_poll_register(&p);
		registered = true;
	}
	polled = 0;
	run_deferred();
	CHECK(polled == 1);
}

static struct deferred_call self_call;
static int self_runs;

static void rearm_self(void *arg)
{
	if (++self_runs < 5)
		defer_call(&self_call, 0, rearm_self, NULL);
}

TEST(timer_a_call_that_rearms_itself_runs_once_per_pass)
{
	reset();
	self_runs = 0;
	defer_call(&self_call, 0, rearm_self, NULL);
	sim_clock_now += 1; /* the zero-delay call is due */
	run_deferred();
	CHECK_EQ(self_runs, 1);
	sim_clock_now += 1;
	run_deferred();
	CHECK_EQ(self_runs, 2);
	defer_cancel(&self_call);
}
