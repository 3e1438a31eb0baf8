/* Suspend hooks: see include/ballast/init.h. */
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/printk.h>
#include <ballast/timer.h>

/*
 * The linker collects the section only when some object has an entry;
 * weak empty bounds keep a kernel without any hook linking.
 */
extern const struct suspend_hook __start_suspend_hooks[] __attribute__((weak));
extern const struct suspend_hook __stop_suspend_hooks[] __attribute__((weak));

struct suspend_stats suspend_stats;

/* Highest level below `below` (0: none), for the way down. */
static unsigned level_below(unsigned below)
{
	unsigned best = 0;

	for (const struct suspend_hook *h = __start_suspend_hooks;
	     h < __stop_suspend_hooks; h++)
		if (h->level < below && h->level > best)
			best = h->level;
	return best;
}

/* Lowest level above `above` (0: none), for the way back up. */
static unsigned level_above(unsigned above)
{
	unsigned best = 0;

	for (const struct suspend_hook *h = __start_suspend_hooks;
	     h < __stop_suspend_hooks; h++)
		if (h->level > above && (!best || h->level < best))
			best = h->level;
	return best;
}

/* Resume every hook at levels from `from` up, as cancelled or not. */
static void resume_from(unsigned from, bool cancelled)
{
	for (unsigned l = from; l; l = level_above(l))
		for (const struct suspend_hook *h = __start_suspend_hooks;
		     h < __stop_suspend_hooks; h++)
			if (h->level == l && h->resume)
				h->resume(cancelled);
}

/*
 * Suspend the hooks of one level; on a refusal resume (cancelled) those
 * of this level that already went, and return the error.
 */
static int suspend_level(unsigned l)
{
	for (const struct suspend_hook *h = __start_suspend_hooks;
	     h < __stop_suspend_hooks; h++) {
		int err;

		if (h->level != l || !h->suspend)
			continue;
		err = h->suspend();
		if (!err)
			continue;
		pr_warn("suspend: %s refused: %s\n", h->name, errno_name(err));
		suspend_stats.refused_by = h->name;
		for (const struct suspend_hook *g = __start_suspend_hooks; g < h; g++)
			if (g->level == l && g->resume)
				g->resume(true);
		return err;
	}
	return 0;
}

int suspend_hooks_run(int (*enter)(void))
{
	unsigned l, done = ~0u; /* lowest level suspended so far */
	int rc;

	suspend_stats.refused_by = NULL;
	for (l = level_below(~0u); l; l = level_below(l)) {
		rc = suspend_level(l);
		if (rc) {
			suspend_stats.refused++;
			suspend_stats.last_result = rc;
			if (done != ~0u)
				resume_from(done, true);
			return rc;
		}
		done = l;
	}
	suspend_stats.count++;
	suspend_stats.last_suspend_ns = clock_ns();
	rc = enter();
	suspend_stats.last_result = rc;
	if (rc != 0)
		suspend_stats.cancelled++;
	if (done != ~0u)
		resume_from(done, rc != 0);
	suspend_stats.last_resume_ns = clock_ns();
	return rc;
}
