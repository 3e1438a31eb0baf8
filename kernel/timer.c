/* Time and deferred work: see include/ballast/timer.h. */
#include <ballast/platform.h>
#include <ballast/timer.h>

static struct deferred_call *deferred; /* sorted by deadline */
static struct idle_poll *pollers;

u64 clock_ns(void)
{
	return platform.clock_ns ? platform.clock_ns() : 0;
}

void defer_cancel(struct deferred_call *d)
{
	for (struct deferred_call **p = &deferred; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	d->queued = false;
}

void defer_call(struct deferred_call *d, u64 delay_ns, void (*fn)(void *),
		void *arg)
{
	struct deferred_call **p = &deferred;

	if (d->queued)
		defer_cancel(d);
	d->deadline = clock_ns() + delay_ns;
	d->fn = fn;
	d->arg = arg;
	while (*p && (*p)->deadline <= d->deadline)
		p = &(*p)->next;
	d->next = *p;
	*p = d;
	d->queued = true;
}

void idle_poll_register(struct idle_poll *p)
{
	p->next = pollers;
	pollers = p;
}

void run_deferred(void)
{
	u64 now = clock_ns();

	while (deferred && deferred->deadline <= now) {
		struct deferred_call *d = deferred;

		deferred = d->next;
		d->queued = false;
		d->fn(d->arg);
		now = clock_ns();
	}
	for (struct idle_poll *p = pollers; p; p = p->next)
		p->fn();
}

/* Sleep until an interrupt, or until `deadline` (0: no deadline). */
static void wait_until(u64 deadline)
{
	if (platform.set_timer)
		platform.set_timer(deadline);
	platform.idle();
}

void idle_once(void)
{
	run_deferred();
	wait_until(deferred ? deferred->deadline : 0);
	run_deferred();
}

void sleep_ms(u64 ms)
{
	u64 end = clock_ns() + ms * NSEC_PER_MSEC;

	/* Without a clock there is nothing to wait for: don't hang. */
	if (!platform.clock_ns)
		return;
	while (clock_ns() < end) {
		u64 next = deferred && deferred->deadline < end ?
				   deferred->deadline : end;

		wait_until(next);
		run_deferred();
	}
}
