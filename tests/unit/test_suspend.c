/* kernel/suspend.c: hooks go down highest level first, come back lowest first. */
#include <ballast/errno.h>
#include <ballast/init.h>
#include "unit.h"

static char trace[16];
static int nr;
static bool refuse_b;
static bool saw_cancelled;

static int down_a(void) { trace[nr++] = 'a'; return 0; }
static int down_b(void) { trace[nr++] = 'b'; return refuse_b ? -EBUSY : 0; }
static int down_c(void) { trace[nr++] = 'c'; return 0; }
static void up_a(bool c) { trace[nr++] = 'A'; saw_cancelled = c; }
static void up_b(bool c) { trace[nr++] = 'B'; }
static void up_c(bool c) { trace[nr++] = 'C'; }

/* Levels below every real hook, so that these run last down, first up. */
SUSPEND_HOOK(test_b, down_b, up_b, 2);
SUSPEND_HOOK(test_a, down_a, up_a, 1);
SUSPEND_HOOK(test_c, down_c, up_c, 3);

static int entered;
static int enter_new(void) { entered++; return 0; }
static int enter_cancel(void) { entered++; return 1; }

/* Only the trace of our three hooks (real drivers' hooks run too). */
static void run(int (*enter)(void))
{
	nr = 0;
	memset(trace, 0, sizeof(trace));
	suspend_hooks_run(enter);
}

TEST(suspend_hooks_order_and_flag)
{
	unsigned long count = suspend_stats.count;

	refuse_b = false;
	entered = 0;
	run(enter_new);
	CHECK_STR(trace, "cbaABC");
	CHECK_EQ(entered, 1);
	CHECK(!saw_cancelled);
	CHECK_EQ(suspend_stats.count, count + 1);
	CHECK_EQ(suspend_stats.last_result, 0);
	run(enter_cancel);
	CHECK_STR(trace, "cbaABC");
	CHECK(saw_cancelled);
	CHECK_EQ(suspend_stats.last_result, 1);
}

TEST(suspend_hook_refusal_resumes_the_others_cancelled)
{
	unsigned long refused = suspend_stats.refused;

	refuse_b = true;
	entered = 0;
	run(enter_new);
	refuse_b = false;
	/* b said no: a never went down, c comes back; nothing entered */
	CHECK_STR(trace, "cbC");
	CHECK_EQ(entered, 0);
	CHECK_EQ(suspend_stats.refused, refused + 1);
	CHECK_EQ(suspend_stats.last_result, -EBUSY);
	CHECK_STR(suspend_stats.refused_by, "test_b");
}
