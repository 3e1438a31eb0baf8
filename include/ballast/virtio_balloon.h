/*
 * The virtio-balloon driver (drivers/virtio/balloon.c): a backend of the
 * balloon core over a virtio device of id VIRTIO_ID_BALLOON. It registers
 * itself (INIT_HOOK); this is for its tests and commands.
 */
#ifndef BALLAST_VIRTIO_BALLOON_H
#define BALLAST_VIRTIO_BALLOON_H

#include <ballast/types.h>

struct virtio_device;

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

/*
 * Free page reporting (balloon_report.c): how long a drain waits for the
 * device to return the report in flight before it counts as holding it.
 */
#define VB_REPORT_TIMEOUT_NS 1000000000ULL

struct vb_report_counters {
	u64 reports, blocks, pages; /* sent to the device */
	u64 pages_done;             /* ...and taken by it (used length 0) */
	u64 refused;                /* returned with used length != 0 */
	u64 drains, drain_timeouts, drain_ns;
	u64 late;                   /* returned after a drain gave up */
};

/* From the probe: the reporting queue if REPORTING was negotiated (before
 * DRIVER_OK); never fails the probe. */
int vb_report_setup(struct virtio_device *vdev);
/* After DRIVER_OK: register with mm's page reporting. */
void vb_report_start(void);
/* Its lines for `balloon`. */
void vb_report_show(void);
const struct vb_report_counters *virtio_balloon_report_counters(void);

/* The driver's INIT_HOOK: register with the virtio core. */
int virtio_balloon_register(void);
const struct vb_counters *virtio_balloon_counters(void);
/* Its lines for the `balloon` command (the backend's show). */
void virtio_balloon_show(void);

#ifdef BALLAST_HOST
/* Forget the device (the test's virtio and balloon resets come with it). */
void virtio_balloon_reset_for_test(void);
void vb_report_reset_for_test(void);
#endif

#endif
