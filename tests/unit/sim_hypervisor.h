/*
 * A simulated hypervisor behind the balloon core's backend interface, over
 * the host mm stand-in (sim_mm.h). It keeps one state per frame (backed,
 * not backed, populate-on-demand entry), tot_pages and max_pages, a pool of
 * free host frames, and injects faults: a short count at any position, a
 * stop inside an order-9 extent, order 9 refused, an outright error, a
 * callback run in the middle of a call.
 *
 * It checks the guest: populating a frame that is backed, releasing one
 * that is not, releasing one whose bytes are not all zero (PoD entries
 * excepted, they were never touched) are violations. A frame without
 * backing is PROT_NONE in the direct map, so the guest touching one dies
 * with a message naming the pfn. A violation fails the running test,
 * unless sim.soft is set (tests of the sim itself count them instead).
 */
#ifndef SIM_HYPERVISOR_H
#define SIM_HYPERVISOR_H

#include <ballast/balloon.h>
#include "sim_mm.h"

#define SIM_NPFN ((unsigned long)(SIM_MM_MAX_PHYS >> PAGE_SHIFT))

enum sim_frame { SIM_UNBACKED, SIM_BACKED, SIM_POD };

struct sim_hv {
	u8 frame[SIM_NPFN];     /* enum sim_frame */
	u64 tot_pages, max_pages;
	u64 extra;              /* frames the host counts outside guest RAM */
	u64 free_frames;        /* frames the host can still hand out */
	u64 backed, pod;        /* frames in each state */
	/* Faults for the next call (cleared by it). */
	long stop_after;        /* >= 0: do at most this many extents */
	bool fail_next;         /* return -EFAULT (or -fail_errno), do nothing */
	int fail_errno;
	void (*during)(void);   /* run inside the next call */
	u64 hotplug_base;       /* the backend's hotplug_base (0: no hot-add) */
	/* Lasting faults. */
	bool refuse_huge_populate, refuse_huge_decrease;
	/* The host discards released frames (virtio-balloon): their contents
	 * are not checked (a backend without scrub). */
	bool discards;
	/* Violations. */
	bool soft;
	u64 violations;
	char what[200];
	/* Totals: calls, pages, order-9 extents, the smallest and largest
	 * extent count of a call that moved anything. */
	u64 calls, populated, released, pod_released, huge_populated, huge_released;
	unsigned long max_extents, last_nr, last_done;
	unsigned int last_order;
	u64 order_calls[BALLOON_HUGE_ORDER + 1]; /* calls by order (fault-free) */
};

extern struct sim_hv sim;
extern const struct balloon_backend sim_backend;

/*
 * After the host mm boot: every usable RAM page is backed, tot_pages is
 * that plus `extra`, max_pages is tot_pages plus `headroom`, the free pool
 * is unlimited. Resets the balloon core and registers the sim as backend.
 */
void sim_hv_init(u64 extra, u64 headroom);
/* The host forgets [pfn, pfn+n) (PV pfns past nr_pages): unbacked, PROT_NONE. */
void sim_hv_unback(unsigned long pfn, unsigned long n);
/* [pfn, pfn+n) become populate-on-demand entries nobody touched. */
void sim_hv_make_pod(unsigned long pfn, unsigned long n);
/* Walk every frame and check the counters; fails the test on a mismatch. */
void sim_hv_check(void);

#endif
