/* Time and deferred work: see include/ballast/timer.h. */
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/trace.h>

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

u64 deferred_next_deadline(void)
{
	return deferred ? deferred->deadline : 0;
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

bool safety_nets = true;
struct idle_stats idle_stats;

/*
 * Sleep until an interrupt, or until `deadline` (0: no deadline). Waking
 * more than IDLE_LATE_NS after the deadline means the one-shot did not
 * wake us: something else did (input, an event), or the cap below.
 */
void wait_until(u64 deadline)
{
	u64 woke;

	if (platform.set_timer)
		platform.set_timer(deadline);
	trace_wake("idle", deadline / 1000, 0);
	platform.idle();
	woke = clock_ns();
	trace_wake("woke", woke / 1000, 0);
	idle_stats.sleeps++;
	if (deadline && woke > deadline + IDLE_LATE_NS) {
		idle_stats.late++;
		idle_stats.late_max_ns = MAX(idle_stats.late_max_ns, woke - deadline);
	}
}

/*
 * Idle sleeps at most IDLE_POLL_NS, so that the idle pollers run at least
 * that often: a virtio-pci device whose interrupt does not work is polled
 * (drivers/virtio/pci.c). It was put in as a net for a lost wakeup under
 * nested Xen (docs/incidents.md) and is none: it rides on the same
 * one-shot timer, armed from the same clock, as the deadline it would
 * back up. `safety_nets=off` takes it away too (then pollers run only
 * when an event or a deadline wakes the idle loop). Without a clock: no
 * cap.
 */
#define IDLE_POLL_NS NSEC_PER_SEC

void idle_once(void)
{
	u64 deadline;

	run_deferred();
	deadline = deferred ? deferred->deadline : 0;
	/* A call already due (one that asked to run again at once: a balloon
	 * batch) runs on the caller's next pass, without a sleep: under Xen
	 * each sleep is a block and a timer upcall. */
	if (deferred && platform.clock_ns && deadline <= clock_ns())
		return;
	if (platform.clock_ns && safety_nets) {
		u64 cap = clock_ns() + IDLE_POLL_NS;

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

/* `safety_nets=off`: see timer.h. */
static int safety_nets_init(void)
{
	if (cmdline_switch(boot_cmdline, "safety_nets", "on", "off", &safety_nets) < 0)
		pr_warn("safety_nets=: want on or off, ignored\n");
	if (!safety_nets)
		pr_info("safety nets off: idle sleeps are not capped, lost work is not re-armed\n");
	return 0;
}
INIT_HOOK(safety_nets, safety_nets_init, INIT_LEVEL_CONSOLE + 1);
