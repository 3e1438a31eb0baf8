/*
 * Xen time for the platform hooks: the system time Xen publishes per vcpu
 * in shared_info (scaled from the TSC), and the single-shot timer that
 * raises VIRQ_TIMER (bound in drivers/xen/events.c).
 */
#include <asm/cpu.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>

static u64 armed_for; /* deadline the one-shot is set to; 0 none */

u64 xen_clock_ns(void)
{
	volatile struct vcpu_time_info *t = &xen.vcpu->time;
	u32 ver;
	u64 ns;

	do {
		ver = t->version;
		__asm__ volatile("lfence" ::: "memory");
		u64 delta = rdtsc() - t->tsc_timestamp;
		s8 shift = t->tsc_shift;

		delta = shift >= 0 ? delta << shift : delta >> -shift;
		ns = t->system_time +
		     (u64)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("lfence" ::: "memory");
	} while ((ver & 1) || ver != t->version);
	return ns;
}

void xen_timer_expired(void)
{
	armed_for = 0; /* fired: the idle loop re-arms for the next deadline */
}

void xen_set_timer(u64 deadline)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };

	if (!deadline || deadline == armed_for)
		return;
	if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t) == 0)
		armed_for = deadline;
}
