/*
 * The one-shot timer for the idle loop (include/ballast/xen/timer.h). Xen
 * keeps one single-shot timer per vcpu; setting it replaces the last one.
 * Re-arming the deadline it already holds is skipped (the idle loop asks
 * for the same deadline after every wakeup that was not the timer), and
 * that is safe only while the timer has not fired: its event clears
 * armed_for, so the next request arms it again. Host-tested against a
 * simulated vcpu that fires the timer at every point of the idle path
 * (tests/unit/test_xen_timer.c).
 */
#include <ballast/trace.h>
#include <ballast/xen/timer.h>

static u64 armed_for;
u64 xen_timer_fired, xen_timer_armed;

void xen_timer_expired(void)
{
	trace_wake("fired", armed_for / 1000, 0);
	armed_for = 0;
	xen_timer_fired++;
}

void xen_set_timer(u64 deadline)
{
	int rc;

	if (!deadline || deadline == armed_for) {
		trace_wake("armed-already", deadline / 1000, 0);
		return;
	}
	rc = xen_arm_singleshot(deadline);
	trace_wake("arm", deadline / 1000, (u64)-rc);
	if (rc == 0) {
		armed_for = deadline;
		xen_timer_armed++;
	}
}

u64 xen_timer_deadline(void)
{
	return armed_for;
}

/* After a resume: whatever was armed is gone or stale; arm the next anew. */
void xen_timer_forget(void)
{
	armed_for = 0;
}
