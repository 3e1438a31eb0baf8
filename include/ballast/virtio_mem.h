/*
 * The virtio-mem driver (drivers/virtio/mem*.c): device memory plugged and
 * unplugged in device blocks ("sub-blocks") inside mm's memory blocks
 * (SECTION_SIZE). It registers itself (INIT_HOOK); this header is what the
 * `virtio-mem` command and the host tests read.
 */
#ifndef BALLAST_VIRTIO_MEM_H
#define BALLAST_VIRTIO_MEM_H

#include <ballast/memory_hotplug.h>
#include <ballast/timer.h>
#include <ballast/types.h>

struct virtio_device;
struct virtqueue;
struct virtio_mem_req;
struct virtio_mem_resp;

/* How long one request may take before the device counts as not answering. */
#define VM_TIMEOUT_NS NSEC_PER_SEC
/* Retry after a refusal or pages in use: 1 s, doubling, at most 32 s. */
#define VM_BACKOFF_MIN_NS NSEC_PER_SEC
#define VM_BACKOFF_MAX_NS (32 * NSEC_PER_SEC)

/* What the driver knows of one sub-block. */
enum vm_sb_state {
	VM_SB_UNPLUGGED = 0,
	VM_SB_PLUGGED,
	/* A request about it went unanswered or was refused with ERROR: the
	 * device may have it either way. Its pages stay PageOffline (never
	 * touched) until STATE requests say. */
	VM_SB_UNKNOWN,
};

/* One memory block of the region, as the driver sees it. */
enum vm_blk_state {
	VM_BLK_ABSENT = 0,
	VM_BLK_OFFLINE,  /* added; offline (a user's chmem -d, or online failed) */
	VM_BLK_ONLINE,
};

/* Request types and response types are indices (VIRTIO_MEM_REQ_*, _RESP_*). */
#define VM_NR_REQ 4
#define VM_NR_RESP 4

struct vm_counters {
	u64 sent[VM_NR_REQ];     /* requests by type */
	u64 resp[VM_NR_RESP];    /* answers by type */
	u64 timeouts, late;      /* not answered in time; answered after that */
	u64 runs, retries;       /* worker runs; runs that ended in a backoff */
	u64 plugged_sbs, unplugged_sbs; /* sub-blocks moved (ACKed) */
	u64 blocks_added, blocks_removed;
	u64 driver_ns, wait_ns;  /* in the worker: its own work; waiting for the device */
	/* The last NACK, BUSY and ERROR (index = response type): when, why. */
	u64 last_ns[VM_NR_RESP];
	char last_why[VM_NR_RESP][112];
};

struct virtio_mem {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	/* The device's config (read, never written). */
	u64 block_size, addr, region_size, usable, plugged_dev, requested;
	/* The memory blocks the driver uses: [first_block, first_block + nr_blocks). */
	unsigned long first_block, nr_blocks;
	unsigned long sb_per_block;  /* sub-blocks per memory block */
	unsigned long memmap_sbs;    /* the first ones: the block's memmap */
	unsigned int sb_order;       /* log2(pages per sub-block) */
	unsigned int chunk_order;    /* alloc/free unit: min(sb_order, MAX_ORDER) */
	u8 *sb;                      /* per sub-block of the used blocks: vm_sb_state */
	u8 *blk;                     /* per used block: vm_blk_state */
	u8 *refs_dropped;            /* per used block: MEM_GOING_OFFLINE dropped refs */
	unsigned int map_order;      /* one allocation holds sb, blk, refs_dropped */
	unsigned long nr_plugged;    /* sub-blocks VM_SB_PLUGGED */
	unsigned long nr_unknown;    /* sub-blocks VM_SB_UNKNOWN */
	bool unplug_all;             /* UNPLUG_ALL owed before anything else */
	/* A request the device did not answer in time: its buffer is the
	 * device's until it comes back; no request goes out meanwhile. */
	bool late;
	u16 late_type;
	u64 backoff_ns;              /* the current retry delay (0: none) */
	char blocked[112];           /* what stops unplug now ("" nothing) */
	bool said_full, said_stuck;
	struct virtio_mem_req *req;  /* one page: the request and the response */
	struct virtio_mem_resp *resp;
	struct deferred_call work;
	struct memory_owner owner;
	struct vm_counters c;
};

/* The driver's state (the one device it drives; vdev NULL: none). */
const struct virtio_mem *virtio_mem_get(void);
/* The `virtio-mem` command's text. */
void virtio_mem_show(void);
int virtio_mem_register(void);

/* Sub-block i of the used blocks: its state, and its physical address. */
static inline enum vm_sb_state vm_sb(const struct virtio_mem *vm, unsigned long i)
{
	return (enum vm_sb_state)vm->sb[i];
}

#ifdef BALLAST_HOST
/* Forget the device and all state (each test probes anew); cancels the worker. */
void virtio_mem_reset_for_test(void);
#endif

#endif
