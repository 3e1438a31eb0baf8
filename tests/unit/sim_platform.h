/*
 * Host stand-in for the platform hooks (include/ballast/platform.h): a fake
 * clock that only moves when a test moves it, or when the idle loop sleeps
 * until the armed one-shot deadline (so sleeps and backoffs finish at once
 * but in the right order, at the right fake time).
 */
#ifndef SIM_PLATFORM_H
#define SIM_PLATFORM_H

#include <ballast/types.h>

extern u64 sim_clock_now;       /* what clock_ns() returns */
extern u64 sim_timer_deadline;  /* last one-shot armed; 0 none */
extern unsigned long sim_idle_calls;

/* Clock to 0, no timer armed. */
void sim_platform_reset(void);

#endif
