/*
 * The one-shot timer of vcpu 0 as the idle loop uses it (drivers/xen/timer.c):
 * platform.set_timer arms it for an absolute Xen system time, and its
 * VIRQ_TIMER event (bound in drivers/xen/events.c) reports it fired.
 */
#ifndef BALLAST_XEN_TIMER_H
#define BALLAST_XEN_TIMER_H

#include <ballast/types.h>

/* Armed and fired since boot, for the `xen` command. */
extern u64 xen_timer_fired, xen_timer_armed;
/* The deadline it is armed for: 0 none, or it fired. */
u64 xen_timer_deadline(void);
void xen_set_timer(u64 deadline_ns);
/* The timer's event arrived: the next set_timer must really arm it. */
void xen_timer_expired(void);
/* After a resume: the next set_timer arms whatever it is asked. */
void xen_timer_forget(void);

/* arch (arch/x86/xen/time.c), the sim on the host: the hypercall; 0 or -errno. */
int xen_arm_singleshot(u64 deadline_ns);

#endif
