/*
 * Xen time for the platform hooks: the system time Xen publishes per vcpu
 * in shared_info (scaled from the TSC), and the hypercall that arms the
 * single-shot timer (its use: drivers/xen/timer.c).
 */
#include <asm/cpu.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>
#include <ballast/timer.h>
#include <ballast/xen/timer.h>


/*
 * Reads the clock had to mend (the `xen` command prints them). The vcpu's
 * TSC and the one Xen stamped with need not be in step, so a TSC read may
 * lie below the published timestamp: taken as unsigned, that negative
 * delta would put the clock ~2^62 ns ahead and a deferred call armed then
 * would never come due. Such a delta counts as 0, and the clock never
 * steps back from a value it returned (docs/incidents.md).
 */
u64 xen_clock_tsc_behind, xen_clock_held;
static u64 last_ns;

/*
 * Xen system time is the host's uptime: across a restore or migration it
 * jumps (forward by the downtime on one host, anywhere on another). Our
 * clock is Xen's plus an offset, rebased at each resume so that it goes on
 * from the last value it returned: deferred calls keep their distances and
 * nothing sees the clock step back. The single-shot timer takes Xen time,
 * so deadlines are turned back before they are armed.
 */
static s64 offset;
s64 xen_clock_last_jump; /* Xen time moved this much over the last suspend */
static u64 suspended_raw;

static u64 read_clock(void)
{
	volatile struct vcpu_time_info *t = &xen.vcpu->time;
	u32 ver;
	u64 ns;

	do {
		ver = t->version;
		__asm__ volatile("lfence" ::: "memory");
		u64 delta = rdtsc() - t->tsc_timestamp;
		s8 shift = t->tsc_shift;

		if ((s64)delta < 0) {
			xen_clock_tsc_behind++;
			delta = 0;
		}
		delta = shift >= 0 ? delta << shift : delta >> -shift;
		ns = t->system_time +
		     (u64)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("lfence" ::: "memory");
	} while ((ver & 1) || ver != t->version);
	return ns;
}

u64 xen_clock_ns(void)
{
	u64 ns = read_clock() + (u64)offset;

	if (ns < last_ns) {
		xen_clock_held++;
		return last_ns;
	}
	last_ns = ns;
	return ns;
}

/* The TSC rate Xen scales by (the bench turns ns into cycles with it). */
u64 xen_tsc_khz(void)
{
	volatile struct vcpu_time_info *t = &xen.vcpu->time;
	u64 mul = t->tsc_to_system_mul, hz;
	s8 shift = t->tsc_shift;

	if (!mul)
		return 0;
	hz = (u64)((((unsigned __int128)NSEC_PER_SEC) << 32) / mul);
	hz = shift >= 0 ? hz >> shift : hz << -shift;
	return hz / 1000;
}

/* The one-shot's hypercall, for drivers/xen/timer.c. */
int xen_arm_singleshot(u64 deadline_ns)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline_ns - (u64)offset };

	/* Due before Xen's time began (after a rebase): at once. */
	if ((s64)deadline_ns - offset <= 0)
		t.timeout_abs_ns = 1;
	return (int)HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

/* Before SHUTDOWN_suspend: where our clock and Xen's stood. */
void xen_time_suspend(void)
{
	xen_clock_ns(); /* last_ns is now */
	suspended_raw = read_clock();
}

/*
 * After it, with shared_info mapped again: cancelled, Xen's time went on
 * as ever and the timer is still set; in a new domain the timer is gone
 * and our clock goes on from where it stopped.
 */
void xen_time_resume(bool cancelled)
{
	u64 raw = read_clock();

	xen_clock_last_jump = (s64)(raw - suspended_raw);
	if (cancelled)
		return;
	offset = (s64)(last_ns - raw);
}
