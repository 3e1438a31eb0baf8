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

#endif
