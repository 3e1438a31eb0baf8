/*
 * A simulated virtio device for the host tests: implements the transport's
 * virtio_config_ops (features, status, config space, queues) and, on
 * notify, processes the split rings from guest memory the way QEMU's
 * virtio-balloon does: le32 pfns on queue 0 are inflated (the page leaves
 * the guest's direct map: a touch kills the test), on queue 1 deflated (the
 * page comes back zeroed), the stats buffer on queue 2 is held until the
 * test releases it. It tracks which pfns the host holds: inflating a held
 * pfn or deflating one it does not hold is a violation, as are malformed
 * rings, a notify before DRIVER_OK, or the driver writing num_pages.
 * Violations fail the test unless svd.soft is set (then they are counted).
 *
 * Faults: refuse FEATURES_OK, no VERSION_1, a queue of size 0, the next
 * elements answered with a non-zero used length and not acted on (NACK),
 * kept without an answer (until sim_virtio_release), answered only after
 * some polls, the next writes of `actual` landing short (one byte), and a
 * config change (num_pages) in the middle of an element.
 *
 * Free page reporting (sim_virtio_reporting): the reporting queue at
 * QEMU 7.2's index 3 or the spec's 4. Each element must be 1..32
 * device-writable descriptors, each a naturally aligned range of 2 MiB or
 * more inside the guest; the host "drops" each range (it reads zeros
 * afterwards) and answers with used length 0. Faults: the next reports
 * held (their ranges out of the guest's reach: a touch kills the test)
 * until sim_virtio_release_report, or answered with a non-zero used length
 * and not acted on; a held report answered after some polls of a wait.
 */
#ifndef SIM_VIRTIO_H
#define SIM_VIRTIO_H

#include <ballast/virtio.h>
#include "sim_mm.h"

#define SIM_VQS 5
#define SIM_VIRTIO_NPFN ((unsigned long)(SIM_MM_MAX_PHYS >> PAGE_SHIFT))
#define SIM_KEPT_MAX 16

struct sim_vq {
	unsigned int max_size;  /* 0: no such queue */
	unsigned int size;
	u64 desc, avail, used;
	bool enabled;
	u16 last_avail;
};

struct sim_kept {
	unsigned int q;
	u16 head;
};

struct sim_virtio {
	struct virtio_device vdev;
	u64 offered, accepted;
	u8 status;
	u8 config[16];
	unsigned int nq;
	struct sim_vq q[SIM_VQS];
	u8 *host_has;           /* per pfn: the host holds it (inflated) */
	u64 nr_host;            /* pfns it holds */
	/* Elements kept without an answer (faults, and the stats buffer). */
	struct sim_kept kept[SIM_KEPT_MAX];
	unsigned int nkept;
	/* Faults. */
	bool refuse_features;
	unsigned int nack_next;      /* next N balloon elements: NACK */
	unsigned int keep_next;      /* next N balloon elements: no answer */
	unsigned int delay_polls;    /* answer after this many wait polls */
	unsigned int short_writes;   /* next N writes of actual: one byte lands */
	bool change_mid;             /* during the next element: num_pages := */
	u32 change_to;
	void (*during)(void);        /* run inside the next element */
	unsigned int report_q;       /* the reporting queue (0: none) */
	unsigned int report_keep_next; /* next N reports: held */
	unsigned int report_nack_next; /* next N reports: used length 8 */
	unsigned int report_release_polls; /* a held report answered after
					      this many wait polls */
	/* Work to do at a later poll (delay_polls). */
	unsigned int polls_left;
	bool work_pending;
	/* Counters. */
	u64 elements[SIM_VQS], pfns[SIM_VQS], notifies, irqs_raised;
	u64 stats_seen;
	u64 stats_val[16];           /* the last stats, by tag */
	unsigned int max_elem_pfns;
	u64 reports, report_ranges, reported_pages; /* reports acted on */
	unsigned int max_report_ranges;
	unsigned long last_report_pfn, last_report_pages; /* its first range */
	/* Violations. */
	bool soft;
	u64 violations;
	char what[200];
};

extern struct sim_virtio svd;

/*
 * Reset the virtio core, the balloon driver and the device, offering
 * `features` (VERSION_1 and the balloon's bits) with QEMU's queue sizes
 * (128, 128, 128). Does not add the device: sim_virtio_add does.
 */
void sim_virtio_init(u64 features);
/* virtio_add_device on the simulated device (the driver registered first). */
int sim_virtio_add(void);
/* The host sets num_pages and raises a config interrupt. */
void sim_virtio_set_num_pages(u32 n);
u32 sim_virtio_actual(void);
/* Answer kept elements (the oldest first); returns how many. */
unsigned int sim_virtio_release(unsigned int n);
/* Answer the stats buffer if the device holds it; true if it did. */
bool sim_virtio_release_stats(void);
bool sim_virtio_host_has(unsigned long pfn);
/* The device's own pending work (delayed answers) now. */
void sim_virtio_run(void);
/* Run on every poll of a wait too (another simulated device's delayed
 * answers: sim_virtio_mem.c). */
extern void (*sim_virtio_relax_hook)(void);
/*
 * Offer REPORTING with a reporting queue of 32 entries: spec false is
 * QEMU 7.2's layout (4 queues, reporting at 3), true the spec's (5 queues,
 * free-page-hint's 3 absent, reporting at 4). After sim_virtio_init.
 */
void sim_virtio_reporting(bool spec);
/* Answer (and act on) held reports, the oldest first; returns how many. */
unsigned int sim_virtio_release_report(unsigned int n);
/* Reports the device holds now, and the pages in them. */
unsigned int sim_virtio_reports_held(void);
unsigned long sim_virtio_report_held_pages(void);

#endif
