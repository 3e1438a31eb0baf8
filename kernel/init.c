/* Init hooks: see include/ballast/init.h. */
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/printk.h>

extern const struct init_hook __start_init_hooks[], __stop_init_hooks[];

static unsigned level_done; /* every hook at or below this level has run */
static bool running;        /* a hook that panics must not re-enter */

/* Lowest level above `after` and at most `upto`, or 0 when none. */
static unsigned next_level(unsigned after, unsigned upto)
{
	unsigned best = 0;

	for (const struct init_hook *h = __start_init_hooks;
	     h < __stop_init_hooks; h++)
		if (h->level > after && h->level <= upto &&
		    (!best || h->level < best))
			best = h->level;
	return best;
}

static void run_level(unsigned level)
{
	for (const struct init_hook *h = __start_init_hooks;
	     h < __stop_init_hooks; h++) {
		int err;

		if (h->level != level)
			continue;
		err = h->fn();
		if (err && err != -ENODEV)
			pr_warn("init: %s: %s\n", h->name, errno_name(err));
	}
}

void init_hooks_run(unsigned level)
{
	unsigned l;

	if (running)
		return;
	running = true;
	while ((l = next_level(level_done, level))) {
		run_level(l);
		level_done = l;
	}
	if (level > level_done)
		level_done = level;
	running = false;
}
