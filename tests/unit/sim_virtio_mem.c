/* A simulated virtio-mem device, and the virtio-mem tests' helpers: see
 * sim_virtio_mem.h. */
#define _GNU_SOURCE
#include "unit.h"
#include "sim_virtio_mem.h"
#include "sim_platform.h"
#include "mm_fixture.h"
#include "model.h"
#include <ballast/balloon.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/page.h>
#include <ballast/virtio_mem.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>

struct sim_vmem svm;

static void violation(const char *fmt, ...) __printf(1, 2);
static void violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(svm.what, sizeof(svm.what), fmt, ap);
	va_end(ap);
	svm.violations++;
	if (!svm.soft)
		unit_fail(__FILE__, __LINE__, "sim virtio-mem: %s", svm.what);
}

/* ---- virtio_config_ops ---------------------------------------------------- */

static u64 sm_get_features(struct virtio_device *vdev)
{
	return svm.offered;
}

static int sm_finalize_features(struct virtio_device *vdev, u64 features)
{
	if (features & ~svm.offered)
		violation("driver accepted features %#llx not offered (%#llx)",
			  (unsigned long long)features,
			  (unsigned long long)svm.offered);
	svm.accepted = features;
	/* QEMU: UNPLUGGED_INACCESSIBLE offered must be accepted. */
	if (svm.refuse_features ||
	    ((svm.offered & ~features) & (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE)))
		return -EIO;
	svm.status |= VIRTIO_CONFIG_S_FEATURES_OK;
	return 0;
}

static u8 sm_get_status(struct virtio_device *vdev)
{
	return svm.status;
}

static void sm_set_status(struct virtio_device *vdev, u8 status)
{
	svm.status = status;
}

/* A device reset: the rings go, plugged memory stays (QEMU). */
static void sm_reset(struct virtio_device *vdev)
{
	svm.status = 0;
	svm.nkept = 0;
	svm.work_pending = false;
	svm.q.enabled = false;
	svm.q.last_avail = 0;
}

static void sm_read_config(struct virtio_device *vdev, unsigned int off,
			   void *buf, unsigned int len)
{
	if (off + len > sizeof(svm.cfg)) {
		violation("config read %u+%u beyond %zu bytes", off, len,
			  sizeof(svm.cfg));
		return;
	}
	memcpy(buf, (u8 *)&svm.cfg + off, len);
}

static void sm_write_config(struct virtio_device *vdev, unsigned int off,
			    const void *buf, unsigned int len)
{
	violation("config write %u+%u (the driver must never write it)", off, len);
}

static unsigned int sm_num_queues(struct virtio_device *vdev)
{
	return 1;
}

static unsigned int sm_queue_max_size(struct virtio_device *vdev, unsigned int idx)
{
	return idx == 0 ? svm.q.max_size : 0;
}

static int sm_enable_queue(struct virtio_device *vdev, unsigned int idx,
			   unsigned int size, u64 desc, u64 avail, u64 used)
{
	if (idx || !size || size > svm.q.max_size || (size & (size - 1)))
		violation("queue %u enabled with size %u", idx, size);
	svm.q.size = size;
	svm.q.desc = desc;
	svm.q.avail = avail;
	svm.q.used = used;
	svm.q.last_avail = 0;
	svm.q.enabled = true;
	return 0;
}

static void process(void);

static void sm_notify(struct virtio_device *vdev, unsigned int idx)
{
	svm.notifies++;
	if (!(svm.status & VIRTIO_CONFIG_S_DRIVER_OK))
		violation("notify of queue %u before DRIVER_OK", idx);
	if (idx || !svm.q.enabled) {
		violation("notify of queue %u, not enabled", idx);
		return;
	}
	if (svm.delay_polls) {
		svm.work_pending = true;
		svm.polls_left = svm.delay_polls;
		return;
	}
	process();
}

static const struct virtio_config_ops sm_ops = {
	.get_features = sm_get_features,
	.finalize_features = sm_finalize_features,
	.get_status = sm_get_status,
	.set_status = sm_set_status,
	.reset = sm_reset,
	.read_config = sm_read_config,
	.write_config = sm_write_config,
	.num_queues = sm_num_queues,
	.queue_max_size = sm_queue_max_size,
	.enable_queue = sm_enable_queue,
	.notify = sm_notify,
};

/* ---- the blocks ------------------------------------------------------------ */

static void *guest(u64 pa)
{
	return sim_mm_frame(pa);
}

static unsigned long blk_of(u64 addr)
{
	return (unsigned long)((addr - svm.cfg.addr) / svm.cfg.block_size);
}

/* The frames of blocks the host has not plugged stay out of the direct map. */
static bool sm_backed(unsigned long pfn)
{
	u64 pa = PFN_PHYS(pfn);

	if (pa < svm.cfg.addr || pa >= svm.cfg.addr + svm.cfg.region_size)
		return true;
	return svm.plugged[blk_of(pa)];
}

/* Plug or unplug block k: reach, contents, the count. */
static void set_block(unsigned long k, bool plug)
{
	u64 pa = svm.cfg.addr + (u64)k * svm.cfg.block_size, bs = svm.cfg.block_size;

	if (svm.plugged[k] == plug)
		return;
	svm.plugged[k] = plug;
	if (plug) {
		/* Undefined contents: garbage where the host gave back (its
		 * first page only: faulting in whole blocks costs minutes). */
		memset(guest(pa), 0x5c, PAGE_SIZE);
		svm.cfg.plugged_size += bs;
	} else {
		madvise(guest(pa), bs, MADV_REMOVE); /* the host discards it */
		svm.cfg.plugged_size -= bs;
	}
	sim_mm_access(PFN_DOWN(pa), PFN_DOWN(bs), plug);
}

static void resize_usable(bool can_shrink)
{
	u64 n = MIN(svm.cfg.region_size, svm.cfg.requested_size + SIM_VMEM_EXTENT);

	n = ALIGN_UP(n, svm.cfg.block_size);
	if (!svm.cfg.requested_size)
		n = 0;
	if (n < svm.cfg.usable_region_size && !can_shrink)
		return;
	svm.cfg.usable_region_size = n;
}

static bool valid_range(u64 addr, u64 nb)
{
	u64 size = nb * svm.cfg.block_size;

	return nb && IS_ALIGNED(addr, svm.cfg.block_size) &&
	       addr >= svm.cfg.addr &&
	       addr + size <= svm.cfg.addr + svm.cfg.usable_region_size;
}

/* Every block of the range in state `plugged`. */
static bool all_in(u64 addr, u64 nb, bool plugged)
{
	for (u64 k = 0; k < nb; k++)
		if (svm.plugged[blk_of(addr) + k] != plugged)
			return false;
	return true;
}

static u16 act(const struct virtio_mem_req *req, u16 *state)
{
	u64 addr = req->u.plug.addr, nb = req->u.plug.nb_blocks;
	bool plug = req->type == VIRTIO_MEM_REQ_PLUG;

	switch (req->type) {
	case VIRTIO_MEM_REQ_PLUG:
	case VIRTIO_MEM_REQ_UNPLUG:
		if (!valid_range(addr, nb))
			return VIRTIO_MEM_RESP_ERROR;
		if (plug && svm.cfg.plugged_size + nb * svm.cfg.block_size >
				    svm.cfg.requested_size)
			return VIRTIO_MEM_RESP_NACK;
		if (!all_in(addr, nb, !plug))
			return VIRTIO_MEM_RESP_ERROR;
		for (u64 k = 0; k < nb; k++)
			set_block(blk_of(addr) + k, plug);
		return VIRTIO_MEM_RESP_ACK;
	case VIRTIO_MEM_REQ_UNPLUG_ALL:
		for (unsigned long k = 0; k < svm.nblocks; k++)
			set_block(k, false);
		resize_usable(true);
		return VIRTIO_MEM_RESP_ACK;
	case VIRTIO_MEM_REQ_STATE:
		if (!valid_range(addr, nb))
			return VIRTIO_MEM_RESP_ERROR;
		*state = all_in(addr, nb, true) ? VIRTIO_MEM_STATE_PLUGGED :
			 all_in(addr, nb, false) ? VIRTIO_MEM_STATE_UNPLUGGED :
						  VIRTIO_MEM_STATE_MIXED;
		return VIRTIO_MEM_RESP_ACK;
	default:
		violation("request type %u", req->type);
		return VIRTIO_MEM_RESP_ERROR;
	}
}

/* ---- the queue ------------------------------------------------------------- */

static void push_used(u16 head, u32 len)
{
	struct vring_used *u = guest(svm.q.used);
	struct vring_avail *a = guest(svm.q.avail);

	u->ring[u->idx % svm.q.size].id = head;
	u->ring[u->idx % svm.q.size].len = len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u->idx++;
	if (!(a->flags & VRING_AVAIL_F_NO_INTERRUPT))
		virtio_interrupt(&svm.vdev, 1);
}

/* The request and response buffers of the chain at head (QEMU marks the
 * device broken for shorter ones). */
static bool chain(u16 head, struct virtio_mem_req **req,
		  struct virtio_mem_resp **resp)
{
	struct vring_desc *d = guest(svm.q.desc);
	u16 n;

	if (head >= svm.q.size || !(d[head].flags & VRING_DESC_F_NEXT) ||
	    (d[head].flags & VRING_DESC_F_WRITE) ||
	    d[head].len < sizeof(**req)) {
		violation("request chain at %u: flags %#x len %u", head,
			  head < svm.q.size ? d[head].flags : 0,
			  head < svm.q.size ? d[head].len : 0);
		return false;
	}
	n = d[head].next;
	if (n >= svm.q.size || !(d[n].flags & VRING_DESC_F_WRITE) ||
	    (d[n].flags & VRING_DESC_F_NEXT) || d[n].len < sizeof(**resp)) {
		violation("response buffer at %u: flags %#x len %u", n,
			  n < svm.q.size ? d[n].flags : 0, n < svm.q.size ? d[n].len : 0);
		return false;
	}
	*req = guest(d[head].addr);
	*resp = guest(d[n].addr);
	return true;
}

static void answer(u16 head, bool fault_ok)
{
	struct virtio_mem_req *req;
	struct virtio_mem_resp *resp;
	u16 r, state = 0;

	if (!chain(head, &req, &resp))
		return;
	if (fault_ok && svm.nack_next) {
		svm.nack_next--;
		r = VIRTIO_MEM_RESP_NACK;
	} else if (fault_ok && svm.busy_next) {
		svm.busy_next--;
		r = VIRTIO_MEM_RESP_BUSY;
	} else if (fault_ok && svm.error_next) {
		svm.error_next--;
		r = VIRTIO_MEM_RESP_ERROR;
	} else {
		if (svm.change_mid) {
			svm.change_mid = false;
			sim_vmem_set_requested(svm.change_to);
		}
		if (svm.during) {
			void (*fn)(void) = svm.during;

			svm.during = NULL;
			fn();
		}
		r = act(req, &state);
	}
	svm.resps[r]++;
	memset(resp, 0, sizeof(*resp));
	resp->type = r;
	resp->u.state.state = state;
	push_used(head, sizeof(*resp));
}

static void process(void)
{
	struct vring_avail *a = guest(svm.q.avail);

	while (svm.q.last_avail != a->idx) {
		u16 head = a->ring[svm.q.last_avail % svm.q.size];
		struct virtio_mem_req *req;
		struct virtio_mem_resp *resp;

		svm.q.last_avail++;
		if (chain(head, &req, &resp) && req->type < 4)
			svm.reqs[req->type]++;
		if (svm.keep_next) {
			svm.keep_next--;
			if (svm.nkept == SIM_VMEM_KEPT_MAX)
				violation("more than %d requests kept", SIM_VMEM_KEPT_MAX);
			else
				svm.kept[svm.nkept++] = head;
			continue;
		}
		answer(head, true);
	}
}

void sim_vmem_run(void)
{
	if (!svm.work_pending)
		return;
	svm.work_pending = false;
	if (svm.q.enabled)
		process();
}

static void relax(void)
{
	if (svm.work_pending && !--svm.polls_left)
		sim_vmem_run();
}

/* ---- the test's side ----------------------------------------------------- */

void sim_vmem_init(u64 features, u64 addr, u64 size, u64 block_size)
{
	u8 *plugged = svm.plugged;

	free(plugged);
	memset(&svm, 0, sizeof(svm));
	svm.nblocks = (unsigned long)(size / block_size);
	svm.plugged = calloc(svm.nblocks, 1);
	svm.offered = features;
	svm.q.max_size = 128;
	svm.cfg.block_size = block_size;
	svm.cfg.addr = addr;
	svm.cfg.region_size = size;
	svm.vdev.id = VIRTIO_ID_MEM;
	svm.vdev.name = "virtio1";
	strcpy(svm.vdev.where, "sim");
	svm.vdev.ops = &sm_ops;
	sim_mm_backed = sm_backed;
	sim_virtio_relax_hook = relax;
	/* Nothing plugged: the region is out of reach. */
	if (addr < SIM_MM_MAX_PHYS)
		sim_mm_access(PFN_DOWN(addr),
			      PFN_DOWN(MIN(size, SIM_MM_MAX_PHYS - addr)), false);
}

int sim_vmem_add(void)
{
	int err = virtio_mem_register();

	if (err)
		return err;
	return virtio_add_device(&svm.vdev);
}

void sim_vmem_set_requested(u64 bytes)
{
	svm.cfg.requested_size = bytes;
	resize_usable(false);
	virtio_interrupt(&svm.vdev, 2);
}

void sim_vmem_preplug(u64 addr, u64 size)
{
	if (svm.cfg.requested_size < size)
		svm.cfg.requested_size = size;
	resize_usable(false);
	for (u64 a = addr; a < addr + size; a += svm.cfg.block_size)
		set_block(blk_of(a), true);
}

unsigned int sim_vmem_release(unsigned int n)
{
	unsigned int done = 0;

	while (svm.nkept && done < n) {
		u16 head = svm.kept[0];

		memmove(&svm.kept[0], &svm.kept[1], --svm.nkept * sizeof(svm.kept[0]));
		answer(head, false);
		done++;
	}
	return done;
}

bool sim_vmem_block_plugged(u64 addr)
{
	if (addr < svm.cfg.addr || addr >= svm.cfg.addr + svm.cfg.region_size)
		return false;
	return svm.plugged[blk_of(addr)];
}

/* ---- helpers for the tests --------------------------------------------------- */

void vmt_boot(u64 features)
{
	model_boot_mm(VMT_BOOT_RAM);
	page_poisoning = true;
	sim_platform_reset();
	sim_clock_now = 1000000000ULL;
	virtio_reset_for_test();
	virtio_mem_reset_for_test();
	sim_vmem_init(features, VMT_ADDR, VMT_SIZE, VMT_BS);
}

void vmt_boot_added(void)
{
	vmt_boot(VMT_QEMU_FEATURES);
	CHECK_EQ(sim_vmem_add(), 0);
}

unsigned long vmt_run(unsigned long max_runs)
{
	const struct virtio_mem *vm = virtio_mem_get();
	unsigned long runs = 0;

	for (unsigned long n = 0; n < 1000000; n++) {
		virtio_poll();
		if (!vm->work.queued)
			return runs;
		if (max_runs && runs == max_runs)
			return runs;
		if (vm->work.deadline > sim_clock_now)
			sim_clock_now = vm->work.deadline;
		run_deferred();
		runs++;
	}
	unit_fail(__FILE__, __LINE__, "virtio-mem never settles");
}

void vmt_done(void)
{
	virtio_mem_reset_for_test();
	sim_virtio_relax_hook = NULL;
}

unsigned long vmt_dev_plugged(void)
{
	unsigned long n = 0;

	for (unsigned long k = 0; k < svm.nblocks; k++)
		n += svm.plugged[k];
	return n;
}

static bool page_in_mm(const struct page *p)
{
	if (PageFree(p) || PageAllocated(p) || PageReporting(p))
		return true;
	if (PageReserved(p))
		return p->flags & PG_vmemmap;
	return PageOffline(p) && balloon_owns_page(p); /* the balloon's */
}

static void check_sb(const struct virtio_mem *vm, unsigned long i)
{
	unsigned long b = i / vm->sb_per_block;
	unsigned long pfn = PFN_DOWN(VMT_ADDR) + (i << vm->sb_order);
	u64 pa = PFN_PHYS(pfn);
	enum vm_sb_state st = vm_sb(vm, i);
	struct section_info si;

	if (st == VM_SB_UNKNOWN)
		return;
	if ((st == VM_SB_PLUGGED) != sim_vmem_block_plugged(pa))
		unit_fail(__FILE__, __LINE__, "sub-block %lu (%#llx): driver %d, "
			  "device %d", i, (unsigned long long)pa, st,
			  sim_vmem_block_plugged(pa));
	CHECK_EQ(mm_section_info(vm->first_block + b, &si), 0);
	if (si.state == SECTION_ABSENT)
		return;
	for (unsigned long k = 0; k < (1UL << vm->sb_order); k++) {
		const struct page *p = pfn_to_page(pfn + k);
		bool ok = st == VM_SB_PLUGGED ?
			(si.state == SECTION_ONLINE ? page_in_mm(p) : PageOffline(p) ||
			 (PageReserved(p) && (p->flags & PG_vmemmap))) :
			PageOffline(p) && page_count(p) == (si.state == SECTION_ONLINE);

		if (!ok)
			unit_fail(__FILE__, __LINE__, "pfn %#lx of %s sub-block %lu "
				  "(block %s): %s refcount %u", pfn + k,
				  st == VM_SB_PLUGGED ? "plugged" : "unplugged", i,
				  si.state == SECTION_ONLINE ? "online" : "offline",
				  page_type_name(p), page_count(p));
	}
}

void vmt_check(void)
{
	const struct virtio_mem *vm = virtio_mem_get();
	u64 sent = 0, answered = 0;

	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(vm->first_block, VMT_ADDR / SECTION_SIZE);
	for (unsigned long b = 0; b < vm->nr_blocks; b++) {
		struct section_info si;
		static const u8 want[] = { [SECTION_ABSENT] = VM_BLK_ABSENT,
			[SECTION_OFFLINE] = VM_BLK_OFFLINE,
			[SECTION_ONLINE] = VM_BLK_ONLINE };

		CHECK_EQ(mm_section_info(vm->first_block + b, &si), 0);
		CHECK_EQ(vm->blk[b], want[si.state]);
		if (si.state != SECTION_ABSENT)
			CHECK(si.owner && !strcmp(si.owner, "virtio-mem"));
	}
	for (unsigned long i = 0; i < vm->nr_blocks * vm->sb_per_block; i++)
		check_sb(vm, i);
	if (!vm->nr_unknown) {
		CHECK_EQ(vm->nr_plugged, vmt_dev_plugged());
		CHECK_EQ((u64)vm->nr_plugged * VMT_BS, svm.cfg.plugged_size);
	}
	for (unsigned int t = 0; t < 4; t++) {
		if (!svm.work_pending)
			CHECK_EQ(vm->c.sent[t], svm.reqs[t]);
		sent += vm->c.sent[t];
		answered += vm->c.resp[t];
	}
	CHECK_EQ(sent, answered + vm->c.timeouts);
}
