/*
 * Host unit-test runner, and the host's stand-ins for the kernel's console:
 * printk goes to a capture buffer (checked by tests), panic longjmps back to
 * the runner so one broken test does not stop the others.
 */
#include "unit.h"
#include <ballast/printk.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

extern const struct unit_test __start_unittests[], __stop_unittests[];

int unit_verbose;
int console_loglevel = LOGLEVEL_DEBUG;
static jmp_buf unit_jmp;
static int expect_panic;
static char logbuf[1 << 16];
static size_t loglen;

const char *unit_log(void)
{
	return logbuf;
}

void unit_log_clear(void)
{
	loglen = 0;
	logbuf[0] = 0;
}

static void log_append(const char *s)
{
	size_t n = strlen(s);

	if (unit_verbose)
		fputs(s, stdout);
	if (loglen + n >= sizeof(logbuf)) { /* full: keep the newest half */
		size_t keep = loglen / 2;

		memmove(logbuf, logbuf + loglen - keep, keep + 1);
		loglen = keep;
	}
	memcpy(logbuf + loglen, s, n + 1);
	loglen += n;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[1024];
	const char *p = buf;
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (p[0] == KERN_SOH[0] && p[1])
		p += 2;
	log_append(p);
	return n;
}

/* The console's Ctrl-C poll: "interrupted" from the Nth call on (0: never). */
int unit_interrupt_after;
static int interrupt_polls;

bool console_interrupted(void)
{
	return unit_interrupt_after && ++interrupt_polls >= unit_interrupt_after;
}

void console_interrupt_clear(void)
{
	interrupt_polls = 0;
}

void unit_expect_panic(void)
{
	expect_panic = 1;
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (expect_panic) {
		expect_panic = 0;
		longjmp(unit_jmp, 2);
	}
	printf("    panic: %s\n", buf);
	longjmp(unit_jmp, 1);
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("    %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	longjmp(unit_jmp, 1);
}

/* Returns 1 when the test failed. setjmp lives here, away from main's loop. */
static int run_one(const struct unit_test *t)
{
	int r;

	unit_log_clear();
	expect_panic = 0;
	unit_interrupt_after = 0;
	r = setjmp(unit_jmp);
	if (r == 0) {
		t->fn();
		if (expect_panic) {
			printf("    expected a panic that did not come\n");
			return 1;
		}
	}
	return r == 1;
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	int passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			unit_verbose = 1;
		else
			filter = argv[i];
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	for (const struct unit_test *t = __start_unittests; t < __stop_unittests;
	     t++) {
		if (filter && !strstr(t->name, filter))
			continue;
		if (run_one(t)) {
			printf("FAIL %s (%s)\n", t->name, t->file);
			failed++;
		} else {
			printf("ok   %s\n", t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
