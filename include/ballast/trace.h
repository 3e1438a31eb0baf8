/*
 * Wakeup tracing: with `trace=wake` on the command line, each step of the
 * timer, event and idle path (a one-shot armed or skipped, a timer event,
 * an upcall, an idle sleep and its wakeup, a balloon batch) is one
 * KERN_DEBUG line in the kernel log: the ring `dmesg` shows, not the
 * console. After a stall the log ends with the steps that led to it.
 * Off, a trace point costs one test of a flag.
 */
#ifndef BALLAST_TRACE_H
#define BALLAST_TRACE_H

#include <ballast/types.h>

extern bool trace_wake_on;

void trace_wake_log(const char *what, u64 a, u64 b);

static inline void trace_wake(const char *what, u64 a, u64 b)
{
	if (trace_wake_on)
		trace_wake_log(what, a, b);
}

#endif
