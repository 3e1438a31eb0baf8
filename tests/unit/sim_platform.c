/* Fake platform for host tests: see sim_platform.h. */
#include <ballast/platform.h>
#include "sim_platform.h"

u64 sim_clock_now;
u64 sim_timer_deadline;
unsigned long sim_idle_calls;

static u64 sim_clock(void)
{
	return sim_clock_now;
}

static void sim_set_timer(u64 deadline)
{
	sim_timer_deadline = deadline;
}

/* Sleeping until the timer is all an idle host can do: jump there. */
static void sim_idle(void)
{
	sim_idle_calls++;
	if (sim_timer_deadline > sim_clock_now)
		sim_clock_now = sim_timer_deadline;
	sim_timer_deadline = 0;
}

struct platform platform = {
	.boot_mode = "host",
	.idle = sim_idle,
	.clock_ns = sim_clock,
	.set_timer = sim_set_timer,
};
const char *boot_loader_name = "host";

void sim_platform_reset(void)
{
	sim_clock_now = 0;
	sim_timer_deadline = 0;
	sim_idle_calls = 0;
}
