/*
 * printk: format, keep a copy in the log ring (for `dmesg`), and write to
 * every console when the message level passes console_loglevel, or is an
 * error while a shell command runs. Messages without a level marker are
 * shell output and always print.
 */
#include <ballast/printk.h>
#include <ballast/console.h>
#include <ballast/shell.h>
#include <ballast/string.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/platform.h>

int console_loglevel = LOGLEVEL_INFO;

#define LOG_SIZE 16384
static char log_ring[LOG_SIZE];
static size_t log_head; /* total bytes ever written */

static void log_store(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_ring[(log_head + i) % LOG_SIZE] = s[i];
	log_head += n;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[1024];
	const char *p = buf;
	int level = -1;
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);

	if (buf[0] == KERN_SOH[0] && buf[1] >= '0' && buf[1] <= '7') {
		level = buf[1] - '0';
		p += 2;
		len -= 2;
	}
	if (level >= 0)
		log_store(p, len);
	/* The error a command reports is its answer: never hide it. */
	if (level <= console_loglevel ||
	    (shell_in_command && level <= LOGLEVEL_ERR))
		console_write(p, len);
	return n;
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_loglevel = LOGLEVEL_DEBUG;
	/* A panic before start_kernel brought up the consoles: do it now, so
	 * the report (and the log before it) is seen. */
	init_hooks_run(INIT_LEVEL_CONSOLE);
	console_unmute_all();
	printk(KERN_ERR "\nKernel panic: %s\n", buf);
	if (platform.backtrace)
		platform.backtrace();
	printk(KERN_ERR "System halted.\n");
	console_flush();
	machine_halt();
}

static int cmd_dmesg(int argc, char **argv)
{
	size_t start = log_head > LOG_SIZE ? log_head - LOG_SIZE : 0;

	if (argc != 1)
		return -EINVAL;
	for (size_t i = start; i < log_head; i++)
		console_write(&log_ring[i % LOG_SIZE], 1);
	return 0;
}
SHELL_COMMAND(dmesg, "", "show the kernel log", cmd_dmesg);
