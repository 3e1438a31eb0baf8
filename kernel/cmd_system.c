/* System commands: version, cmdline, e820, loglevel, poweroff, reboot, crash. */
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/parse.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/version.h>
#include <ballast/string.h>
#include <ballast/timer.h>


static int cmd_version(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	printk("ballast %s\n", ballast_build_id);
	printk("compiler: %s\n", ballast_compiler);
	printk("boot mode: %s\n", platform.boot_mode);
	printk("hypervisor: %s\n",
	       platform.hypervisor[0] ? platform.hypervisor : "none");
	return 0;
}
SHELL_COMMAND(version, "", "build id, compiler, boot mode, hypervisor",
	      cmd_version);

static int cmd_cmdline(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	printk("%s\n", boot_cmdline);
	return 0;
}
SHELL_COMMAND(cmdline, "", "show the kernel command line", cmd_cmdline);

static int cmd_loglevel(int argc, char **argv)
{
	u64 v;
	int err;

	if (argc == 1) {
		printk("loglevel %d\n", console_loglevel);
		return 0;
	}
	if (argc != 2)
		return -EINVAL;
	err = parse_u64(argv[1], &v);
	if (err || v > 7) {
		printk("loglevel: bad level '%s': want 0-7\n", argv[1]);
		return -EINVAL;
	}
	console_loglevel = (int)v;
	return 0;
}
SHELL_COMMAND(loglevel, "[0-7]", "show or set the console log level",
	      cmd_loglevel);

static int cmd_poweroff(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	machine_poweroff();
}
SHELL_COMMAND(poweroff, "", "power the machine off", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	machine_reboot();
}
SHELL_COMMAND(reboot, "", "restart the machine", cmd_reboot);

/* Deliberate faults, to see the exception report. */
static int cmd_crash(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "pagefault";

	if (argc > 2)
		return -EINVAL;
	if (strcmp(how, "pagefault") == 0) {
		volatile u64 *bad = (volatile u64 *)0xdead000000ULL;
		printk("crash: reading unmapped address %p\n", (void *)bad);
		return (int)*bad;
	}
	if (strcmp(how, "ud") == 0)
		__asm__ volatile("ud2");
	if (strcmp(how, "panic") == 0)
		panic("crash command asked for a panic");
	if (strcmp(how, "bug") == 0)
		BUG_ON(argc > 1);
	if (strcmp(how, "doublefault") == 0) {
		/* A page fault that cannot push its frame on an unmapped stack
		 * becomes a double fault, which has a stack of its own. */
		printk("crash: faulting with an unmapped stack pointer\n");
		__asm__ volatile("movabs $0xdead000000, %%rsp\n\tpushq $0" ::: "memory");
	}
	return -EINVAL;
}
SHELL_COMMAND(crash, "[pagefault|ud|panic|bug|doublefault]",
	      "deliberately fault, to test the exception report", cmd_crash);

/* `sleep MS`: idles on the platform's one-shot timer (PIT or Xen). */
static int cmd_sleep(int argc, char **argv)
{
	u64 ms, t0 = clock_ns();

	if (argc != 2)
		return -EINVAL;
	if (parse_u64(argv[1], &ms) || ms > 60000) {
		printk("sleep: error: want 0-60000 ms, not '%s'\n", argv[1]);
		return -EIO;
	}
	sleep_ms(ms);
	printk("slept %llu ms\n",
	       (unsigned long long)((clock_ns() - t0) / NSEC_PER_MSEC));
	return 0;
}
SHELL_COMMAND(sleep, "MS", "idle for MS milliseconds (0-60000)", cmd_sleep);
