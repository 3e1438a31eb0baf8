/*
 * A very small unit-test framework (XTF spirit: tests are small functions in
 * small files). Each TEST registers itself in the "unittests" section; the
 * runner (runner.c) runs them all, or those whose name contains argv[1], and
 * ends with "N passed, N failed".
 *
 * A failed CHECK ends the current test (longjmp), so later checks in the same
 * test do not run on broken state. A kernel panic()/BUG_ON inside code under
 * test fails the test too, unless the test said unit_expect_panic().
 */
#ifndef UNIT_H
#define UNIT_H

#include <ballast/types.h>
#include <stdio.h>
#include <ballast/string.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	const char *file;
};

#define TEST(tname)                                                          \
	static void tname(void);                                             \
	static const struct unit_test __unit_test_##tname __used             \
		__section("unittests") __aligned(8) = { #tname, tname,       \
							 __FILE__ };         \
	static void tname(void)

void unit_fail(const char *file, int line, const char *fmt, ...)
	__printf(3, 4) __noreturn;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);   \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a != _b)                                                 \
			unit_fail(__FILE__, __LINE__,                         \
				  "CHECK_EQ(%s, %s): %lld != %lld", #a, #b,  \
				  _a, _b);                                    \
	} while (0)

#define CHECK_STR(a, b)                                                       \
	do {                                                                  \
		const char *_a = (a), *_b = (b);                              \
		if (strcmp(_a, _b) != 0)                                      \
			unit_fail(__FILE__, __LINE__,                         \
				  "CHECK_STR(%s, %s): \"%s\" != \"%s\"", #a,  \
				  #b, _a, _b);                                \
	} while (0)

/* console_interrupted() says yes from its Nth call in a command (0: never). */
extern int unit_interrupt_after;

/* The next panic() is expected: it ends the test as passed. */
void unit_expect_panic(void);

/* Everything printk wrote since the last unit_log_clear(). */
const char *unit_log(void);
void unit_log_clear(void);
/* Set by -v: echo printk output to stdout. */
extern int unit_verbose;

#endif
