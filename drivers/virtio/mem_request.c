/*
 * virtio-mem requests: one in flight at a time, a device-readable request
 * (24 B) and a device-writable response (10 B) in one page, waited for at
 * most VM_TIMEOUT_NS.
 *
 * A request with no answer in time stays the device's: it may still act on
 * it. Its sub-blocks become VM_SB_UNKNOWN (their pages stay PageOffline,
 * never touched: an unplug the host carries out later must find nothing
 * of ours there, and a plug it never made must not be used), and no
 * request goes out until the buffer comes back. Then, and after an ERROR
 * (the device and the driver disagree), STATE requests say what the device
 * has, and only then are pages given to the allocator.
 */
#include <ballast/arch_mm.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/virtio.h>
#include <linux/virtio_mem.h>
#include "mem_internal.h"

const char *vm_req_name(u16 type)
{
	static const char *const names[VM_NR_REQ] = { "plug", "unplug",
						      "unplug-all", "state" };

	return type < VM_NR_REQ ? names[type] : "?";
}

const char *vm_resp_name(u16 resp)
{
	static const char *const names[VM_NR_RESP] = { "ACK", "NACK", "BUSY",
						       "ERROR" };

	return resp < VM_NR_RESP ? names[resp] : "?";
}

void vm_block_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(vmem.blocked, sizeof(vmem.blocked), fmt, ap);
	va_end(ap);
}

void vm_read_config(void)
{
	struct virtio_mem_config cfg;

	vmem.vdev->ops->read_config(vmem.vdev, 0, &cfg, sizeof(cfg));
	vmem.usable = cfg.usable_region_size;
	vmem.plugged_dev = cfg.plugged_size;
	vmem.requested = cfg.requested_size;
}

static unsigned long mib(u64 bytes)
{
	return (unsigned long)(bytes / MiB);
}

/* The answer was not ACK: count it, remember when and why. */
static void note_refusal(u16 type, unsigned long first, unsigned long n,
			 u16 r)
{
	char *why = vmem.c.last_why[r];
	size_t len = sizeof(vmem.c.last_why[r]);
	u64 addr = type == VIRTIO_MEM_REQ_UNPLUG_ALL ? vmem.addr : vm_sb_phys(first);

	vmem.c.last_ns[r] = clock_ns();
	if (r == VIRTIO_MEM_RESP_NACK) {
		vm_read_config();
		ksnprintf(why, len, "%s %#llx +%lu blocks: beyond the requested "
			  "size (device: plugged %lu MiB, requested %lu MiB)",
			  vm_req_name(type), (unsigned long long)addr, n,
			  mib(vmem.plugged_dev), mib(vmem.requested));
	} else if (r == VIRTIO_MEM_RESP_BUSY) {
		ksnprintf(why, len, "%s %#llx +%lu blocks: the device is busy "
			  "(migration?)", vm_req_name(type),
			  (unsigned long long)addr, n);
	} else {
		ksnprintf(why, len, "%s %#llx +%lu blocks: the device disagrees "
			  "(misaligned, outside the usable region or not all in "
			  "the opposite state)", vm_req_name(type),
			  (unsigned long long)addr, n);
	}
}

/* Send what is in vmem.req and wait: 0 and the response, or -ETIMEDOUT. */
static int send_wait(u32 *len)
{
	struct vq_buf out = { virt_to_phys(vmem.req), sizeof(*vmem.req) };
	struct vq_buf in = { virt_to_phys(vmem.resp), sizeof(*vmem.resp) };
	u64 t0;
	int err = virtqueue_add(vmem.vq, &out, 1, &in, 1, vmem.req);

	if (err)
		return err;
	vmem.c.sent[vmem.req->type]++;
	t0 = clock_ns();
	virtqueue_kick(vmem.vq);
	err = virtqueue_wait(vmem.vq, vmem.req, VM_TIMEOUT_NS, len);
	vmem.c.wait_ns += clock_ns() - t0;
	return err;
}

int vm_request(u16 type, unsigned long first, unsigned long n, u16 *state)
{
	u32 len = 0;
	int err;
	u16 r;

	if (vmem.late && !vm_reap_late())
		return -EAGAIN;
	BUG_ON(n > 0xffff || (type != VIRTIO_MEM_REQ_UNPLUG_ALL &&
			      (!n || first + n > vm_nr_sbs())));
	memset(vmem.req, 0, sizeof(*vmem.req));
	memset(vmem.resp, 0xff, sizeof(*vmem.resp));
	vmem.req->type = type;
	if (type != VIRTIO_MEM_REQ_UNPLUG_ALL) {
		vmem.req->u.plug.addr = vm_sb_phys(first);
		vmem.req->u.plug.nb_blocks = (u16)n;
	}
	err = send_wait(&len);
	if (err == -ETIMEDOUT) {
		vmem.late = true;
		vmem.late_type = type;
		vmem.c.timeouts++;
		if (type == VIRTIO_MEM_REQ_PLUG || type == VIRTIO_MEM_REQ_UNPLUG)
			vm_set_sbs(first, n, VM_SB_UNKNOWN);
		pr_err("virtio-mem: the device did not answer a %s request in "
		       "%llu ms: its range is unknown, no more requests until it "
		       "does\n", vm_req_name(type),
		       (unsigned long long)(VM_TIMEOUT_NS / NSEC_PER_MSEC));
		return err;
	}
	if (err)
		return err;
	r = vmem.resp->type;
	if (len < sizeof(u16) || r >= VM_NR_RESP) {
		pr_err("virtio-mem: %s: response type %u, length %u: taken as "
		       "ERROR\n", vm_req_name(type), r, len);
		r = VIRTIO_MEM_RESP_ERROR;
	}
	vmem.c.resp[r]++;
	if (r != VIRTIO_MEM_RESP_ACK)
		note_refusal(type, first, n, r);
	if (r == VIRTIO_MEM_RESP_ERROR && (type == VIRTIO_MEM_REQ_PLUG ||
					  type == VIRTIO_MEM_REQ_UNPLUG)) {
		vm_set_sbs(first, n, VM_SB_UNKNOWN);
		pr_err("virtio-mem: %s %#llx +%lu blocks: ERROR: the device and the "
		       "driver disagree about this range: asking the device with "
		       "STATE\n", vm_req_name(type),
		       (unsigned long long)vm_sb_phys(first), n);
	}
	if (state)
		*state = vmem.resp->u.state.state;
	return r;
}

bool vm_reap_late(void)
{
	u32 len;

	if (!vmem.late)
		return true;
	if (virtqueue_get_used(vmem.vq, &len) != vmem.req)
		return false;
	vmem.late = false;
	vmem.c.late++;
	pr_notice("virtio-mem: the device answered the %s request late (%s): "
		  "the range is asked for with STATE\n",
		  vm_req_name(vmem.late_type),
		  len >= sizeof(u16) ? vm_resp_name(vmem.resp->type) : "?");
	return true;
}

enum vm_step vm_after(int r)
{
	if (r == VIRTIO_MEM_RESP_ACK || r == VIRTIO_MEM_RESP_ERROR)
		return VM_AGAIN; /* ERROR: the resync goes first */
	return VM_RETRY;
}

bool vm_undo(int r)
{
	return r != VIRTIO_MEM_RESP_ACK && r != VIRTIO_MEM_RESP_ERROR &&
	       r != -ETIMEDOUT;
}

/* Clear the skippable mark mm left on the pages of sub-block i (offline
 * block): they are plugged, the next online gives them to the allocator. */
static void unmark_skippable(unsigned long i)
{
	struct page *p = pfn_to_page(vm_sb_pfn(i));

	for (unsigned long k = 0; k < (1UL << vmem.sb_order); k++)
		if (PageOfflineSkippable(&p[k]))
			ClearPageOfflineSkippable(&p[k]);
}

/* The device says sub-block i is plugged or not. */
static void settle(unsigned long i, bool plugged)
{
	u8 blk = vmem.blk[i / vmem.sb_per_block];

	vm_set_sbs(i, 1, plugged ? VM_SB_PLUGGED : VM_SB_UNPLUGGED);
	if (!plugged)
		return; /* PageOffline already, or absent */
	if (blk == VM_BLK_ONLINE)
		vm_give_pages(i, 1);
	else if (blk == VM_BLK_OFFLINE)
		unmark_skippable(i);
}

/* STATE of [first, first + n): 0 and *st, or a step result to return. */
static int ask_state(unsigned long first, unsigned long n, u16 *st)
{
	int r = vm_request(VIRTIO_MEM_REQ_STATE, first, n, st);

	if (r == VIRTIO_MEM_RESP_ACK && *st <= VIRTIO_MEM_STATE_MIXED)
		return 0;
	if (r >= 0)
		pr_err("virtio-mem: STATE of %#llx +%lu blocks: %s, state %u: "
		       "cannot resync it\n", (unsigned long long)vm_sb_phys(first),
		       n, vm_resp_name((u16)r), *st);
	return -EIO;
}

enum vm_step vm_resync(void)
{
	unsigned long i = 0, n = 0, spb = vmem.sb_per_block;
	u16 st = 0;

	while (i < vm_nr_sbs() && vm_sb(&vmem, i) != VM_SB_UNKNOWN)
		i++;
	if (i == vm_nr_sbs())
		return VM_IDLE;
	while (i + n < vm_nr_sbs() && (i + n) / spb == i / spb &&
	       vm_sb(&vmem, i + n) == VM_SB_UNKNOWN)
		n++;
	if (ask_state(i, n, &st))
		return VM_RETRY;
	if (st != VIRTIO_MEM_STATE_MIXED) {
		for (unsigned long k = 0; k < n; k++)
			settle(i + k, st == VIRTIO_MEM_STATE_PLUGGED);
		return VM_AGAIN;
	}
	for (unsigned long k = 0; k < n; k++) {
		if (ask_state(i + k, 1, &st))
			return VM_RETRY;
		settle(i + k, st == VIRTIO_MEM_STATE_PLUGGED);
	}
	return VM_AGAIN;
}
