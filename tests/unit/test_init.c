/* kernel/init.c: hooks run once each, lowest level first, up to a level. */
#include <ballast/errno.h>
#include <ballast/init.h>
#include "unit.h"

static char trace[8];
static int nr;

static int hook_a(void) { trace[nr++] = 'a'; return 0; }
static int hook_b(void) { trace[nr++] = 'b'; return -ENODEV; }
static int hook_c(void) { trace[nr++] = 'c'; return 0; }

/* Levels below every real hook (INIT_LEVEL_PLATFORM is the lowest). */
INIT_HOOK(test_c, hook_c, 3);
INIT_HOOK(test_a, hook_a, 1);
INIT_HOOK(test_b, hook_b, 2);

TEST(init_hooks_run_in_level_order_once)
{
	nr = 0;
	init_hooks_run(1);
	CHECK_EQ(nr, 1);
	CHECK(trace[0] == 'a');
	init_hooks_run(3);
	CHECK_EQ(nr, 3);
	CHECK(trace[1] == 'b' && trace[2] == 'c');
	init_hooks_run(3); /* nothing runs twice */
	init_hooks_run(1);
	CHECK_EQ(nr, 3);
}
