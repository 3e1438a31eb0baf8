/* Wakeup tracing into the kernel log: see include/ballast/trace.h. */
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/trace.h>

bool trace_wake_on;

/* Times in us since boot, so that a line is short and a deadline reads
 * against the time it was set at. */
void trace_wake_log(const char *what, u64 a, u64 b)
{
	u64 us = clock_ns() / 1000;

	printk(KERN_DEBUG "wake %llu.%06llu %s %llu %llu\n",
	       (unsigned long long)(us / 1000000),
	       (unsigned long long)(us % 1000000), what,
	       (unsigned long long)a, (unsigned long long)b);
}

static int trace_init(void)
{
	char val[16];
	int err = cmdline_param(boot_cmdline, "trace", val, sizeof(val));

	if (err == -ENOENT)
		return 0;
	if (err || strcmp(val, "wake") != 0) {
		pr_warn("trace=: want trace=wake, ignored\n");
		return 0;
	}
	trace_wake_on = true;
	pr_info("trace: timer, event and idle steps go to the log (dmesg)\n");
	return 0;
}
INIT_HOOK(trace, trace_init, INIT_LEVEL_CONSOLE + 1);
