/* Helpers shared by the virtio tests (test_virtio_*.c). */
#ifndef VIRTIO_TEST_H
#define VIRTIO_TEST_H

#include <ballast/balloon.h>
#include "sim_virtio.h"

/* QEMU 7.2's offer: VERSION_1, STATS_VQ, PAGE_POISON, and ring features
 * the core must refuse (EVENT_IDX, INDIRECT_DESC, ANY_LAYOUT). */
#define VT_QEMU_FEATURES                                                      \
	((1ULL << 32) | (1ULL << 1) | (1ULL << 4) | (1ULL << 29) |            \
	 (1ULL << 28) | (1ULL << 27))

/* Host mm boot (256 MiB, poisoning on), the sim device offering features. */
void vt_boot(u64 features);
/* vt_boot and add the device; the probe must succeed. */
void vt_boot_added(u64 features);
/* virtio_poll and balloon_work (the fake clock moves to each retry) until
 * the balloon is idle; returns the calls made. */
unsigned long vt_run(void);
/* Pages the balloon holds (the core's count). */
u64 vt_ballooned(void);
/* Everything agrees: mm, the balloon, `actual`, the device's pfn set. */
void vt_check(void);

/* For the model tests (model.h): mm booted on a small PC up to ram_end,
 * the clock at 1 s, the sim device offering features (before_add, when
 * not NULL, sets it up further) and added; fails the run if the probe
 * does. Returns mm's stats after the probe. */
struct mm_stats vt_model_boot(u64 ram_end, u64 features,
			      void (*before_add)(void));
/* A model op: model_balloon_work on the sim clock. */
void vt_model_work(void);

#endif
