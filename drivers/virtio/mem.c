/*
 * virtio-mem (device id 24): memory the host plugs into a region of guest
 * physical address space, a device block ("sub-block", 2 MiB under QEMU)
 * at a time, on the guest's request. The host sets requested_size; the
 * driver plugs or unplugs until the plugged size equals it.
 *
 * Layout: the region's whole memory blocks (SECTION_SIZE, mm's unit) are
 * used; each is added with its memmap on its own first sub-blocks
 * (MHP_MEMMAP_ON_MEMORY), so those are plugged first and unplugged last.
 * The blocks belong to the memory owner "virtio-mem": mm sends their pages
 * being onlined through vm_online_page (plugged sub-blocks to the
 * allocator, the others stay PageOffline, never touched) and their events
 * to vm_notify.
 *
 * Work (plug, unplug, resync) runs in a deferred call, one memory block's
 * worth per run, re-armed until the goal is met: never in an interrupt, and
 * the shell stays responsive. Plug: partly plugged online blocks lowest
 * first, then new blocks at ascending addresses (mem_plug.c). Unplug:
 * offline blocks, then online ones, the highest first (mem_unplug.c).
 * Requests and what a late or refused one means: mem_request.c.
 *
 * No scrub: the host discards unplugged memory, and newly plugged memory
 * has undefined contents (the allocator poisons or the user writes).
 */
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/memory.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mem.h>
#include "mem_internal.h"

struct virtio_mem vmem;

const struct virtio_mem *virtio_mem_get(void)
{
	return &vmem;
}

void vm_set_sbs(unsigned long first, unsigned long n, enum vm_sb_state st)
{
	for (unsigned long i = first; i < first + n; i++) {
		u8 old = vmem.sb[i];

		vmem.nr_plugged -= old == VM_SB_PLUGGED;
		vmem.nr_unknown -= old == VM_SB_UNKNOWN;
		vmem.sb[i] = (u8)st;
		vmem.nr_plugged += st == VM_SB_PLUGGED;
		vmem.nr_unknown += st == VM_SB_UNKNOWN;
	}
}

unsigned long vm_count_sbs(unsigned long b, enum vm_sb_state st)
{
	unsigned long n = 0, i = b * vmem.sb_per_block;

	for (unsigned long k = 0; k < vmem.sb_per_block; k++)
		n += vmem.sb[i + k] == st;
	return n;
}

/* ---- mm's side: pages being onlined, block events ----------------------- */

/*
 * A chunk of an owned block being onlined (PageOffline, refcount 1). Chunk
 * and sub-block are both naturally aligned powers of two, so a chunk lies
 * in one sub-block or holds whole ones.
 */
static void vm_online_page(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), end = pfn + (1UL << order);
	unsigned int o = MIN(order, vmem.sb_order);

	for (; pfn < end; pfn += 1UL << o)
		if (vm_sb(&vmem, vm_pfn_sb(pfn)) == VM_SB_PLUGGED)
			generic_online_page(pfn_to_page(pfn), o);
	/* else: unplugged or unknown, stays PageOffline with refcount 1 */
}

/* The references of block b's non-plugged sub-blocks' pages: 1 -> 0 (drop)
 * so offlining skips them, or back. */
static void block_refs(unsigned long b, bool drop)
{
	unsigned long first = b * vmem.sb_per_block;

	for (unsigned long i = first; i < first + vmem.sb_per_block; i++) {
		struct page *p = pfn_to_page(vm_sb_pfn(i));

		if (vm_sb(&vmem, i) == VM_SB_PLUGGED)
			continue;
		for (unsigned long k = 0; k < (1UL << vmem.sb_order); k++) {
			if (!PageOffline(&p[k]))
				continue;
			if (drop && page_count(&p[k]) == 1)
				page_ref_dec(&p[k]);
			else if (!drop && page_count(&p[k]) == 0)
				page_ref_inc(&p[k]);
		}
	}
	vmem.refs_dropped[b] = drop;
}

static void kick(void);

static int vm_notify(struct memory_owner *owner, unsigned long action,
		     unsigned long block)
{
	unsigned long b = block - vmem.first_block;

	if (block < vmem.first_block || b >= vmem.nr_blocks)
		return 0; /* not one of ours: mm would not ask */
	switch (action) {
	case MEM_GOING_OFFLINE:
		block_refs(b, true);
		break;
	case MEM_CANCEL_OFFLINE:
		if (vmem.refs_dropped[b])
			block_refs(b, false);
		break;
	case MEM_OFFLINE:
		vmem.refs_dropped[b] = 0;
		vmem.blk[b] = VM_BLK_OFFLINE;
		kick();
		break;
	case MEM_ONLINE:
		vmem.blk[b] = VM_BLK_ONLINE;
		kick();
		break;
	default:
		break;
	}
	return 0;
}

/* ---- the worker ------------------------------------------------------------ */

static void vm_work(void *arg);

/* Run the worker soon (config change, a block onlined or offlined, a late
 * answer); a pending backoff starts over. */
static void kick(void)
{
	if (!vmem.vdev)
		return;
	vmem.backoff_ns = 0;
	defer_call(&vmem.work, 0, vm_work, NULL);
}

/* How many sub-blocks the goal is (what the used blocks can hold at most). */
static unsigned long goal(void)
{
	u64 want = vmem.requested / vmem.block_size;

	if (want > vm_nr_sbs()) {
		if (!vmem.said_full)
			pr_warn("virtio-mem: the host requests %llu MiB, the driver "
				"can use %llu MiB of the region: it plugs that\n",
				(unsigned long long)(vmem.requested / MiB),
				(unsigned long long)(vm_nr_sbs() * vmem.block_size / MiB));
		vmem.said_full = true;
		return vm_nr_sbs();
	}
	vmem.said_full = false;
	return (unsigned long)want;
}

static enum vm_step step(void)
{
	unsigned long want;
	enum vm_step s;

	/* The device holds a request: nothing goes out until it answers
	 * (vm_queue_done runs the worker again then). */
	if (vmem.late && !vm_reap_late())
		return VM_IDLE;
	if (vmem.unplug_all)
		return vm_unplug_all_step();
	if (vmem.nr_unknown)
		return vm_resync();
	s = vm_unplug_strays();
	if (s != VM_IDLE)
		return s;
	vm_read_config();
	want = goal();
	if (vmem.nr_plugged < want)
		return vm_plug_step(want - vmem.nr_plugged);
	if (vmem.nr_plugged > want)
		return vm_unplug_step(vmem.nr_plugged - want);
	vmem.blocked[0] = 0;
	return VM_IDLE;
}

static void vm_work(void *arg)
{
	u64 t0 = clock_ns(), w0 = vmem.c.wait_ns;
	enum vm_step s;

	if (!vmem.vdev)
		return;
	vmem.c.runs++;
	s = step();
	if (s == VM_AGAIN) {
		vmem.backoff_ns = 0;
		defer_call(&vmem.work, 0, vm_work, NULL);
	} else if (s == VM_RETRY) {
		vmem.backoff_ns = vmem.backoff_ns ?
			MIN(vmem.backoff_ns * 2, VM_BACKOFF_MAX_NS) : VM_BACKOFF_MIN_NS;
		vmem.c.retries++;
		defer_call(&vmem.work, vmem.backoff_ns, vm_work, NULL);
	} else {
		vmem.backoff_ns = 0;
	}
	vmem.c.driver_ns += (clock_ns() - t0) - (vmem.c.wait_ns - w0);
}

/* ---- the device ------------------------------------------------------------- */

static void vm_config_changed(struct virtio_device *vdev)
{
	vm_read_config();
	kick();
}

/* The request queue's used ring moved outside a wait: a late answer. */
static void vm_queue_done(struct virtqueue *vq)
{
	if (vmem.late && vm_reap_late())
		kick();
}

static int ilog2_u64(u64 v)
{
	int n = -1;

	while (v) {
		v >>= 1;
		n++;
	}
	return n;
}

/* The region as the config says; 0 or -EINVAL with one line. */
static int read_layout(struct virtio_device *vdev)
{
	struct virtio_mem_config cfg;
	u64 bs, end, top = (u64)mm_nr_sections() * SECTION_SIZE;

	vdev->ops->read_config(vdev, 0, &cfg, sizeof(cfg));
	bs = cfg.block_size;
	vmem.block_size = bs;
	vmem.addr = cfg.addr;
	vmem.region_size = cfg.region_size;
	if (bs < PAGE_SIZE || (bs & (bs - 1)) || bs > SECTION_SIZE) {
		pr_err("virtio-mem: %s: block size %#llx is not a power of two "
		       "between 4 KiB and the %llu MiB memory block: not used\n",
		       vdev->name, (unsigned long long)bs,
		       (unsigned long long)(SECTION_SIZE / MiB));
		return -EINVAL;
	}
	if (!IS_ALIGNED(cfg.addr | cfg.region_size, bs) || !cfg.region_size ||
	    cfg.addr + cfg.region_size < cfg.addr) {
		pr_err("virtio-mem: %s: region %#llx +%#llx is not aligned to its "
		       "block size %#llx: not used\n", vdev->name,
		       (unsigned long long)cfg.addr,
		       (unsigned long long)cfg.region_size, (unsigned long long)bs);
		return -EINVAL;
	}
	end = cfg.addr + cfg.region_size;
	if (end > top) {
		pr_warn("virtio-mem: %s: region %#llx-%#llx goes beyond the highest "
			"physical address %#llx: only the part below it is used\n",
			vdev->name, (unsigned long long)cfg.addr,
			(unsigned long long)end - 1, (unsigned long long)top);
		end = MAX(cfg.addr, top);
	}
	if (!IS_ALIGNED(end, SECTION_SIZE) && end > ALIGN_UP(cfg.addr, SECTION_SIZE))
		pr_notice("virtio-mem: %s: the last %llu MiB of the region do not "
			  "fill a memory block: not used\n", vdev->name,
			  (unsigned long long)((end % SECTION_SIZE) / MiB));
	vmem.first_block = (unsigned long)(ALIGN_UP(cfg.addr, SECTION_SIZE) / SECTION_SIZE);
	vmem.nr_blocks = end / SECTION_SIZE > vmem.first_block ?
		(unsigned long)(end / SECTION_SIZE) - vmem.first_block : 0;
	if (!vmem.nr_blocks) {
		pr_err("virtio-mem: %s: region %#llx +%#llx holds no whole %llu MiB "
		       "memory block below %#llx: not used\n", vdev->name,
		       (unsigned long long)cfg.addr,
		       (unsigned long long)cfg.region_size,
		       (unsigned long long)(SECTION_SIZE / MiB),
		       (unsigned long long)top);
		return -EINVAL;
	}
	vmem.sb_order = (unsigned int)ilog2_u64(bs >> PAGE_SHIFT);
	vmem.chunk_order = MIN(vmem.sb_order, (unsigned int)MAX_ORDER);
	vmem.sb_per_block = (unsigned long)(SECTION_SIZE / bs);
	vmem.memmap_sbs = (unsigned long)((PFN_PHYS(section_memmap_pages()) + bs - 1) / bs);
	return 0;
}

/* The sub-block map, block states and the request page. */
static int alloc_state(void)
{
	unsigned long bytes = vm_nr_sbs() + 2 * vmem.nr_blocks;
	unsigned int order = 0;
	u8 *map;

	while ((PAGE_SIZE << order) < bytes && order < MAX_ORDER)
		order++;
	if ((PAGE_SIZE << order) < bytes) {
		pr_err("virtio-mem: %lu sub-blocks are too many to track\n",
		       vm_nr_sbs());
		return -ENOMEM;
	}
	map = alloc_pages_virt(order);
	vmem.req = alloc_pages_virt(0);
	if (!map || !vmem.req) {
		if (map)
			free_pages_virt(map, order);
		if (vmem.req)
			free_pages_virt(vmem.req, 0);
		vmem.req = NULL;
		return -ENOMEM;
	}
	memset(map, 0, bytes);
	vmem.map_order = order;
	vmem.sb = map;
	vmem.blk = map + vm_nr_sbs();
	vmem.refs_dropped = vmem.blk + vmem.nr_blocks;
	vmem.resp = (struct virtio_mem_resp *)((u8 *)vmem.req + 64);
	return 0;
}

static void free_state(void)
{
	if (vmem.sb)
		free_pages_virt(vmem.sb, vmem.map_order);
	if (vmem.req)
		free_pages_virt(vmem.req, 0);
	vmem.sb = vmem.blk = vmem.refs_dropped = NULL;
	vmem.req = NULL;
	vmem.resp = NULL;
}

static int vm_probe(struct virtio_device *vdev)
{
	int err;

	if (vmem.vdev) {
		pr_err("virtio-mem: %s: the driver drives %s already (one device "
		       "only)\n", vdev->name, vmem.vdev->name);
		return -EBUSY;
	}
	memset(&vmem, 0, sizeof(vmem));
	err = read_layout(vdev);
	if (err)
		return err;
	err = alloc_state();
	if (err)
		return err;
	vmem.vq = virtqueue_setup(vdev, 0, 0, "requests", vm_queue_done, &err);
	if (!vmem.vq)
		goto fail;
	vmem.owner = (struct memory_owner){ .name = "virtio-mem",
		.online_page = vm_online_page, .notify = vm_notify, .priv = &vmem };
	err = register_memory_owner(&vmem.owner);
	if (err)
		goto fail;
	vmem.vdev = vdev;
	vdev->priv = &vmem;
	virtio_device_ready(vdev);
	vm_read_config();
	pr_info("virtio-mem: %s: region %#llx +%llu MiB, block size %llu KiB, "
		"memory blocks %lu-%lu, requested %llu MiB\n", vdev->name,
		(unsigned long long)vmem.addr,
		(unsigned long long)(vmem.region_size / MiB),
		(unsigned long long)(vmem.block_size / KiB), vmem.first_block,
		vmem.first_block + vmem.nr_blocks - 1,
		(unsigned long long)(vmem.requested / MiB));
	if (vmem.plugged_dev) {
		pr_notice("virtio-mem: %s: %llu MiB plugged at start (a reset with "
			  "memory plugged): unplugging all of it first\n", vdev->name,
			  (unsigned long long)(vmem.plugged_dev / MiB));
		vmem.unplug_all = true;
	}
	kick();
	return 0;
fail:
	free_state();
	return err;
}

static struct virtio_driver vm_driver = {
	.name = "virtio-mem",
	.device_id = VIRTIO_ID_MEM,
	/* UNPLUGGED_INACCESSIBLE: QEMU refuses FEATURES_OK without it when it
	 * offers it, and unplugged memory is never touched anyway. ACPI_PXM
	 * (the node) means nothing to a kernel with one node. */
	.features = (1ULL << VIRTIO_F_VERSION_1) |
		    (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE),
	.probe = vm_probe,
	.config_changed = vm_config_changed,
};

int virtio_mem_register(void)
{
	return virtio_register_driver(&vm_driver);
}
INIT_HOOK(virtio_mem, virtio_mem_register, INIT_LEVEL_MM);

#ifdef BALLAST_HOST
void virtio_mem_reset_for_test(void)
{
	defer_cancel(&vmem.work);
	memset(&vmem, 0, sizeof(vmem));
}
#endif
