/* Bare x86 time: the TSC as the clock, PIT channel 0 as the one-shot timer. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <ballast/types.h>

/* ns since the first call (calibrates the TSC against the PIT once). */
u64 tsc_clock_ns(void);
/* Raise IRQ 0 at the clock time `deadline` (or earlier: PIT range is ~55 ms). */
void pit_set_timer(u64 deadline);

#endif
