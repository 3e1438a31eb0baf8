/*
 * The idle path under Xen, from the deferred calls (kernel/timer.c) to the
 * one-shot timer (drivers/xen/timer.c), against a simulated vcpu: Xen's
 * system time, its single-shot timer, and a pending VIRQ_TIMER or other
 * event that is delivered only while the vcpu blocks (ballast runs with
 * events masked otherwise). Time passes at every clock read, so the timer
 * fires at every point of the path: before the deadline is set, between
 * the read and the hypercall, after it, while the vcpu blocks; other
 * events (console input) wake the vcpu early; the guest's clock may run
 * behind Xen's. The safety nets are off: the property is that the vcpu
 * never blocks with work queued and nothing that will wake it by the
 * work's deadline (a lost wakeup), and that no call runs late by more
 * than the time one pass takes.
 */
#include <ballast/platform.h>
#include <ballast/timer.h>
#include <ballast/xen/timer.h>
#include "model.h"
#include <stdio.h>
#include "sim_platform.h"

static struct {
	u64 now;        /* Xen's system time */
	u64 behind;     /* the guest's clock reads this much less */
	u64 step;       /* time one clock read moves on, at most */
	u64 timer;      /* Xen's one-shot: 0 none */
	bool virq;      /* VIRQ_TIMER pending */
	bool other;     /* some other event pending */
	u64 blocks, fired, woke_early, lost;
} v;

static void xen_tick(u64 ns)
{
	v.now += ns;
	if (v.timer && v.timer <= v.now) {
		v.timer = 0;
		v.virq = true;
		v.fired++;
	}
	if (!model_below(200))
		v.other = true; /* input arrived */
}

static u64 guest_clock(void)
{
	xen_tick(model_below(v.step + 1));
	return v.now > v.behind ? v.now - v.behind : 0;
}

/* The host side of the hypercall: a deadline not in the future fires now. */
int xen_arm_singleshot(u64 deadline)
{
	v.timer = deadline;
	xen_tick(0);
	return 0;
}

static void deliver(void)
{
	if (v.virq)
		xen_timer_expired();
	v.virq = v.other = false;
}

/* SCHEDOP_block / sti;hlt: pending events end it at once; else the timer. */
static void vcpu_block(void)
{
	u64 next = deferred_next_deadline();

	v.blocks++;
	if (v.virq || v.other) {
		v.woke_early += !v.virq;
		deliver();
		return;
	}
	/* A deadline is on guest time: Xen's is `behind` ahead of it. */
	if (next && (!v.timer || v.timer > next + v.behind)) {
		v.lost++;
		MFAIL("vcpu blocks with a call due at %llu and the timer at %llu (now %llu)",
		      (unsigned long long)next, (unsigned long long)v.timer,
		      (unsigned long long)v.now);
	}
	if (!v.timer)
		return; /* nothing to wait for: the test stops the loop */
	if (v.timer > v.now)
		v.now = v.timer;
	xen_tick(0);
	deliver();
}

/* Calls that defer themselves again: a balloon doing batches (at once), a
 * backoff, a watchdog; each one checks it did not run late. */
#define NCALLS 4
static struct deferred_call calls[NCALLS];
static u64 runs[NCALLS];

static void work(void *arg)
{
	long i = (long)arg;
	u64 t = clock_ns(), late = t - calls[i].deadline;
	static const u64 delays[] = { 0, 1000, 50 * NSEC_PER_MSEC, NSEC_PER_SEC,
				      30 * NSEC_PER_SEC };

	runs[i]++;
	/* one pass: the clock reads of a pass, each at most `step` */
	MCHECK(calls[i].deadline <= t);
	if (late > 64 * v.step + v.behind)
		MFAIL("call %ld ran %llu ns late", i, (unsigned long long)late);
	if (model_below(8))
		defer_call(&calls[i], delays[model_below(5)], work, arg);
	if (!model_below(16)) { /* another call moves */
		long j = (long)model_below(NCALLS);

		defer_call(&calls[j], delays[model_below(5)], work, (void *)j);
	}
}

static void run_seed(unsigned long seed)
{
	struct platform saved = platform;
	bool nets = safety_nets;

	model_start("xen timer model", seed, seed * 0x9e3779b97f4a7c15ULL + 1);
	memset(&v, 0, sizeof(v));
	v.now = NSEC_PER_SEC;
	v.step = (u64[]){ 1, 1000, 100000, 5 * NSEC_PER_MSEC }[seed % 4];
	v.behind = seed % 3 ? 0 : model_below(v.step);
	platform.clock_ns = guest_clock;
	platform.set_timer = xen_set_timer;
	platform.idle = vcpu_block;
	safety_nets = false;
	for (long i = 0; i < NCALLS; i++)
		defer_call(&calls[i], model_below(NSEC_PER_SEC), work, (void *)i);
	for (model.step = 0; model.step < 20000; model.step++) {
		if (!deferred_next_deadline())
			defer_call(&calls[0], model_below(NSEC_PER_SEC), work, (void *)0);
		idle_once();
	}
	for (long i = 0; i < NCALLS; i++)
		defer_cancel(&calls[i]);
	platform = saved;
	safety_nets = nets;
	sim_platform_reset();
	CHECK_EQ(v.lost, 0);
	CHECK(v.fired > 0);
	CHECK(v.woke_early > 0);
}

TEST(xen_timer_no_wakeup_lost_at_any_interleaving)
{
	struct model_seeds s = model_seeds("XEN_TIMER_SEED", 8);

	for (unsigned long seed = s.first; seed < s.first + s.n; seed++)
		run_seed(seed);
	printf("    xen timer model: %lu seeds x 20000 idle passes; last seed %llu blocks, %llu fired, %llu woken by other events\n",
	       s.n, (unsigned long long)v.blocks, (unsigned long long)v.fired,
	       (unsigned long long)v.woke_early);
}
