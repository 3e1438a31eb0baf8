/*
 * Init hooks (the lk idea): a driver registers its bring-up next to its code
 *
 *   INIT_HOOK(xenstore, xs_init_hook, INIT_LEVEL_EARLY);
 *
 * and start_kernel runs every hook once, lowest level first. Nothing else
 * names a driver, so adding one touches no list. A hook returns 0, -ENODEV
 * when its device is not here (silent), or another negative errno (logged).
 */
#ifndef BALLAST_INIT_H
#define BALLAST_INIT_H

#include <ballast/types.h>

enum init_level {
	INIT_LEVEL_EARLYCON = 5,  /* consoles that need only the CPU (COM1): the
				   * arch entry runs these as soon as traps work */
	INIT_LEVEL_PLATFORM = 10, /* hypervisor plumbing: event channels, clock */
	INIT_LEVEL_CONSOLE = 20,  /* consoles: output is seen from here on */
	INIT_LEVEL_EARLY = 30,    /* services before mm: xenstore, control */
	INIT_LEVEL_MM = 50,       /* after mm_init: drivers that allocate (balloon) */
	INIT_LEVEL_LAST = 99,
};

struct init_hook {
	const char *name;
	int (*fn)(void);
	unsigned level; /* an INIT_LEVEL_*, or one plus a small offset for order */
};

#define INIT_HOOK(id, fn_, level_)                                            \
	static const struct init_hook __init_hook_##id __used                 \
		__section("init_hooks") __aligned(8) = { #id, fn_, level_ }

/* Run every hook with a level up to `level` not run yet, in level order. */
void init_hooks_run(unsigned level);

/*
 * Suspend hooks, the same idea for save/restore/migrate: a driver says what
 * it does before the domain is suspended and after it runs again, next to
 * its own code,
 *
 *   SUSPEND_HOOK(xenstore, xs_suspend, xs_resume, INIT_LEVEL_EARLY);
 *
 * Before: highest level first (the balloon parks before xenstore goes
 * quiet, the console flushes last); a hook may refuse with a negative
 * errno, and the hooks that already ran are resumed as cancelled. After:
 * lowest level first (event channels before the rings that use them).
 * `cancelled`: the same domain goes on (`xl save -c`, a failed save), so
 * everything bound is still bound; otherwise it is a new domain (restore,
 * migrate) and every port, watch and timer is gone. Either may be NULL.
 */
struct suspend_hook {
	const char *name;
	int (*suspend)(void);
	void (*resume)(bool cancelled);
	unsigned level; /* an INIT_LEVEL_*, as for the driver's init hook */
};

#define SUSPEND_HOOK(id, suspend_, resume_, level_)                           \
	static const struct suspend_hook __suspend_hook_##id __used           \
		__section("suspend_hooks") __aligned(8) = { #id, suspend_,    \
							    resume_, level_ }

/*
 * Run the suspend hooks, then enter() (the platform's suspend: returns 0
 * in a new domain, 1 when cancelled, or a negative errno when it did not
 * suspend, which counts as cancelled), then the resume hooks. Returns
 * enter's result, or the error of the hook that refused.
 */
int suspend_hooks_run(int (*enter)(void));

/* For the `xen` command: what the last suspends did (clock_ns times). */
struct suspend_stats {
	unsigned long count;     /* suspends entered */
	unsigned long cancelled; /* of which came back cancelled */
	unsigned long refused;   /* a hook said no: not entered */
	u64 last_suspend_ns, last_resume_ns;
	int last_result;         /* enter()'s, or the refusing hook's */
	const char *refused_by;
};
extern struct suspend_stats suspend_stats;

#endif
