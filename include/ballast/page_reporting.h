/*
 * Free page reporting (mm/page_reporting.c): the allocator tells a host
 * which large free blocks the guest does not use, so the host can drop
 * their backing; the guest reuses them at will (after a reclaim, for hosts
 * whose dropped pages have no backing until asked: Xen).
 *
 * Free buddy blocks of order >= REPORTING_ORDER carry PG_reported once a
 * device took them; freeing and merging make unreported blocks, allocation
 * clears the flag. A deferred worker (never the alloc/free path) walks the
 * free lists for unreported blocks, takes a batch of at most the device's
 * capacity out of the allocator (the blocks are then neither free nor
 * allocated: "out for a report"), hands it to the device, and when the
 * device is done puts them back marked reported.
 *
 * A device answers asynchronously: report() queues the batch and returns;
 * the device calls page_reporting_done() when it is finished with it (from
 * process context: its queue callback). Until then the batch is out, and a
 * contiguous allocation or an offline that needs one of its blocks calls
 * page_reporting_drain(), which asks the device to finish (drain()).
 *
 * Generic: no arch or Xen header.
 */
#ifndef BALLAST_PAGE_REPORTING_H
#define BALLAST_PAGE_REPORTING_H

#include <ballast/types.h>

/* 2 MiB and up (Linux: pageblock_order, 9 on x86). */
#define REPORTING_ORDER 9
/* Blocks per report at most, whatever the device says (virtio: 32). */
#define REPORTING_CAPACITY_MAX 32
/* Free memory waits this long after a free before it is reported. */
#define REPORTING_DELAY_NS (2 * 1000000000ULL)

struct reported_block {
	unsigned long pfn;   /* head of a naturally aligned free block */
	unsigned int order;  /* >= REPORTING_ORDER */
};

struct page_reporting_dev {
	const char *name;
	unsigned int capacity;      /* blocks per report, 1..REPORTING_CAPACITY_MAX */
	/*
	 * Hand the host blocks[0..n) (out of the allocator until done). 0:
	 * queued, the device calls page_reporting_done() later (or already
	 * did, from inside report); a negative errno: nothing was queued,
	 * the blocks go back unreported.
	 */
	int (*report)(struct page_reporting_dev *dev,
		      const struct reported_block *blocks, unsigned int n);
	/*
	 * Finish the report in flight (wait for the device, bounded): 0 once
	 * page_reporting_done() ran, -ETIMEDOUT if the device still holds it.
	 */
	int (*drain)(struct page_reporting_dev *dev);
	/*
	 * Optional, for hosts whose reported pages have no backing (Xen):
	 * back a reported block again before the allocator hands it out. 0,
	 * or a negative errno: the block stays reported and free, and the
	 * allocator takes another block.
	 */
	int (*reclaim)(struct page_reporting_dev *dev, unsigned long pfn,
		       unsigned int order);
};

/* One device at a time; -EBUSY if there is one, -EINVAL if incomplete. */
int page_reporting_register(struct page_reporting_dev *dev);
/* Drains, then every reported block is plain free again (reclaimed first
 * where the device needs it). */
void page_reporting_unregister(struct page_reporting_dev *dev);
/*
 * From the device: the batch it was given is finished. ok: the host took
 * it (the blocks go back marked reported); !ok: refused (back unreported,
 * tried again on a later pass).
 */
void page_reporting_done(struct page_reporting_dev *dev, bool ok);

/*
 * Make sure no block in [pfn, end) is out for a report: drains the device
 * when one is. 0, or -EBUSY when the device would not give them back.
 * For alloc_pages_at, offlining and the balloon's grabs.
 */
int page_reporting_drain(unsigned long pfn, unsigned long end);

struct page_reporting_stats {
	bool active;                /* a device is registered */
	const char *device;
	u64 reported_now;           /* pages in free blocks marked reported */
	u64 out_now;                /* pages out for a report */
	u64 reported_total;         /* pages reported since boot */
	u64 reports, refused;       /* device calls; refused by it */
	u64 reclaims, reclaim_failed; /* blocks reclaimed before reuse */
	u64 drains, drain_ns;       /* drains and the time they waited */
	u64 passes;                 /* worker runs */
};
void page_reporting_get_stats(struct page_reporting_stats *st);

#ifdef BALLAST_HOST
void page_reporting_reset_for_test(void);
#endif

#endif
