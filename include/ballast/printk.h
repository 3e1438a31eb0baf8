/* Kernel logging: printk with Linux-like levels, panic, BUG_ON, ASSERT. */
#ifndef BALLAST_PRINTK_H
#define BALLAST_PRINTK_H

#include <ballast/types.h>

/* Levels: a message is printed when its level <= console_loglevel. */
#define LOGLEVEL_EMERG 0
#define LOGLEVEL_ERR 3
#define LOGLEVEL_WARN 4
#define LOGLEVEL_NOTICE 5
#define LOGLEVEL_INFO 6
#define LOGLEVEL_DEBUG 7

extern int console_loglevel;

/* Plain printk prints at LOGLEVEL_INFO... unless it starts with a level marker. */
#define KERN_SOH "\001"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
/* k-prefixed so the host unit tests can link them beside libc. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#define pr_err(...) printk(KERN_ERR __VA_ARGS__)
#define pr_warn(...) printk(KERN_WARNING __VA_ARGS__)
#define pr_notice(...) printk(KERN_NOTICE __VA_ARGS__)
#define pr_info(...) printk(KERN_INFO __VA_ARGS__)
#define pr_debug(...) printk(KERN_DEBUG __VA_ARGS__)

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/* BUG_ON is for broken invariants only: errors are returned, not asserted. */
#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (unlikely(cond))                                           \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__,       \
			      __LINE__);                                      \
	} while (0)
#define ASSERT(cond)                                                          \
	do {                                                                  \
		if (unlikely(!(cond)))                                        \
			panic("ASSERT(%s) failed at %s:%d", #cond, __FILE__, \
			      __LINE__);                                      \
	} while (0)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#endif
