/* Helpers shared by the balloon tests (test_balloon*.c). */
#ifndef BALLOON_TEST_H
#define BALLOON_TEST_H

#include <ballast/balloon.h>
#include "sim_hypervisor.h"

#define SEC 1000000000ULL
#define HOST_EXTRA 37 /* frames the sim host counts outside guest RAM */

extern u64 bt_now; /* the fake clock balloon_work gets */

/* Default mm boot (256 MiB, poisoning on), the sim with `headroom` pages. */
void bt_boot(u64 headroom);
/* Register be (a copy of sim_backend with other capabilities) instead. */
void bt_use_backend(const struct balloon_backend *be);
/* balloon_work until it is idle (0) or waits (the delay); counts steps. */
u64 bt_run(unsigned long *steps);
/* Everything agrees: mm, the balloon's lists, the sim, their counters. */
void bt_check(void);
struct balloon_stats bt_stats(void);
/* Make the first n (<= 1024) pages of a fresh 4 MiB-aligned block look like
 * RAM boot code left offline (PageOffline, refcount 1, untouched), the rest
 * freed, and tell the sim what backs them: PoD (pod) or nothing. Returns
 * their first pfn. */
unsigned long bt_offline_run(unsigned long n, bool pod);
/* Hold (allocate and keep) / release order-0 pages, like memhold. */
unsigned long bt_hold(unsigned long n);
void bt_release(void);

#endif
