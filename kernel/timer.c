/* Time and deferred work: see include/ballast/timer.h. */
#include <ballast/platform.h>
#include <ballast/timer.h>

static struct deferred_call *deferred; /* sorted by deadline */
static struct deferred_call *due;      /* taken off by run_deferred */
static struct idle_poll *pollers;

u64 clock_ns(void)
{
	return platform.clock_ns ? platform.clock_ns() : 0;
}

static bool unlink(struct deferred_call **list, struct deferred_call *d)
{
	for (struct deferred_call **p = list; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			return true;
		}
	}
	return false;
}

void defer_cancel(struct deferred_call *d)
{
	if (!unlink(&deferred, d))
		unlink(&due, d);
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

/*
 * Only what was due on entry runs: a call that defers itself again (a
 * balloon doing one batch per call) waits for the next pass, so the idle
 * pollers and console input get their turn between batches. The due calls
 * leave the list first; one cancelled by an earlier call of the same pass
 * is unlinked from `due` by defer_cancel. A call may sleep (and so run
 * this again, nested): its due calls join the same queue.
 */
void run_deferred(void)
{
	u64 now = clock_ns();
	struct deferred_call **tail = &due;

	while (*tail)
		tail = &(*tail)->next;
	while (deferred && deferred->deadline <= now) {
		struct deferred_call *d = deferred;

		deferred = d->next;
		d->next = NULL;
		*tail = d;
		tail = &d->next;
	}
	while (due) {
		struct deferred_call *d = due;

		due = d->next;
		d->queued = false;
		d->fn(d->arg);
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

/*
 * Idle sleeps at most IDLE_MAX_NS. Seen once under nested Xen (PVH,
 * pvhhot/hotplug-cycles): the balloon in state up, its deferred call not
 * run for 300 s until console input woke the guest; a wakeup lost on the
 * way to idle, cause not found. With the cap such a loss costs at most a
 * second; an idle guest wakes once a second (without a clock: no cap).
 */
#define IDLE_MAX_NS NSEC_PER_SEC

void idle_once(void)
{
	u64 deadline;

	run_deferred();
	deadline = deferred ? deferred->deadline : 0;
	if (platform.clock_ns) {
		u64 cap = clock_ns() + IDLE_MAX_NS;

		deadline = deadline && deadline < cap ? deadline : cap;
	}
	wait_until(deadline);
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
