/*
 * Time and deferred work, the same on every platform: a clock in ns, calls
 * deferred to a moment, sleeping, and the idle step that runs them. The
 * platform supplies the clock and a one-shot wake-up (platform.h): the Xen
 * system time and single-shot timer, or the TSC and the PIT on bare x86.
 *
 * Deferred calls run in process context, from the idle loop or a sleep,
 * never from an interrupt or event handler.
 */
#ifndef BALLAST_TIMER_H
#define BALLAST_TIMER_H

#include <ballast/types.h>

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_SEC 1000000000ULL

/* Nanoseconds since some moment at boot; 0 while the platform has no clock. */
u64 clock_ns(void);

struct deferred_call {
	u64 deadline;
	void (*fn)(void *arg);
	void *arg;
	bool queued;
	struct deferred_call *next;
};

/* Run fn(arg) once, no earlier than delay_ns from now (re-arms if queued). */
void defer_call(struct deferred_call *d, u64 delay_ns, void (*fn)(void *),
		void *arg);
void defer_cancel(struct deferred_call *d);
/* The deadline of the next deferred call (0: none queued). */
u64 deferred_next_deadline(void);

/*
 * Something to check on every pass of the idle loop (a ring whose events
 * only mark work, like xenstore's watch events).
 */
struct idle_poll {
	void (*fn)(void);
	struct idle_poll *next;
};
void idle_poll_register(struct idle_poll *p);

/* Run due deferred calls and the idle pollers. */
void run_deferred(void);
/* Arm the one-shot for deadline (0: none), sleep until an interrupt;
 * counted in idle_stats, traced with trace=wake. */
void wait_until(u64 deadline);
/* One pass of the idle loop: due work, sleep until an interrupt or the
 * next deadline, due work again. */
void idle_once(void);
/* Sleep in process context; deferred work runs meanwhile. */
void sleep_ms(u64 ms);

/*
 * On unless `safety_nets=off` is on the command line: the one net against
 * a lost wakeup (the balloon re-arms its call when it finds it missing,
 * counted: drivers/balloon/sched.c) and the idle poll period (timer.c).
 * A stress turns them off to see a loss for what it is.
 */
extern bool safety_nets;

/* A sleep that ended this much after its deadline was not ended by it. */
#define IDLE_LATE_NS (250 * NSEC_PER_MSEC)

struct idle_stats {
	u64 sleeps;      /* idle sleeps since boot */
	u64 late;        /* ... that woke IDLE_LATE_NS or more past the deadline */
	u64 late_max_ns; /* the latest of those */
};
extern struct idle_stats idle_stats;

#endif
