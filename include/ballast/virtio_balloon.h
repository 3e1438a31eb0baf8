/*
 * The virtio-balloon driver (drivers/virtio/balloon.c): a backend of the
 * balloon core over a virtio device of id VIRTIO_ID_BALLOON. It registers
 * itself (INIT_HOOK); this is for its tests and commands.
 */
#ifndef BALLAST_VIRTIO_BALLOON_H
#define BALLAST_VIRTIO_BALLOON_H

#include <ballast/types.h>

/*
 * pfns per inflate/deflate element (at most 4096: the 16 KiB buffer).
 * Linux sends 256; QEMU takes a buffer of any length.
 */
#ifndef VB_PFNS_PER_ELEM
#define VB_PFNS_PER_ELEM 4096U
#endif
/* How long one element may take before the device counts as not answering. */
#define VB_TIMEOUT_NS 1000000000ULL

/* Counted since the probe (the `balloon` command shows them). */
struct vb_counters {
	u64 calls;            /* populate/decrease calls that sent something */
	u64 elements, pfns_sent;
	u64 round_trips;      /* kick .. used waits */
	/* Of all the calls' time (total_ns), what the device had: the notify
	 * (under TCG QEMU runs the queue's handler, the page discards, inside
	 * that write), the wait for the used ring after it, and writing and
	 * reading back `actual`. The rest is the backend's own work. */
	u64 notify_ns, wait_ns, actual_ns, total_ns;
	u64 timeouts, late, refused, actual_mismatch;
	u64 stats_updates, config_changes;
	u64 owed;             /* ballooned pages the host let go of (a late
				 deflate) and has not taken again yet */
};

/* The driver's INIT_HOOK: register with the virtio core. */
int virtio_balloon_register(void);
const struct vb_counters *virtio_balloon_counters(void);
/* Its lines for the `balloon` command (the backend's show). */
void virtio_balloon_show(void);

#ifdef BALLAST_HOST
/* Forget the device (the test's virtio and balloon resets come with it). */
void virtio_balloon_reset_for_test(void);
#endif

#endif
