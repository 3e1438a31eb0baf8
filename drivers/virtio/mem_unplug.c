/*
 * virtio-mem unplug, the highest address first: offline blocks (nothing in
 * use: UNPLUG, or remove and UNPLUG all when they go whole), then online
 * ones. In an online block each plugged sub-block (not the memmap's) is
 * taken from the allocator whole (alloc_pages_at, all or nothing), made
 * the driver's PageOffline pages, then UNPLUGged, adjacent ones in one
 * request. A block left with its memmap only is offlined (vm_notify lets
 * mm skip the driver's pages), removed, and its memmap unplugged.
 *
 * Pages in use (allocated, ballooned, reserved) stay: the step moves on to
 * lower sub-blocks and blocks, says what stopped it (vmem.blocked), and the
 * worker retries with a backoff.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <linux/virtio_mem.h>
#include "mem_internal.h"

/* Why pfn's page is not free, or NULL if it is (or the memmap itself). */
static const char *busy(const struct page *p)
{
	if (PageFree(p) || (PageReserved(p) && (p->flags & PG_vmemmap)))
		return NULL;
	if (PageAllocated(p))
		return "in use (allocated)";
	if (PageOffline(p))
		return "offline (another driver's: a balloon?)";
	if (PageReporting(p))
		return "out for a free page report";
	return "reserved";
}

/* The first busy page of [pfn, pfn + n) into vmem.blocked (if not set). */
static void note_busy(unsigned long b, unsigned long pfn, unsigned long n)
{
	if (vmem.blocked[0])
		return;
	for (unsigned long k = pfn; k < pfn + n; k++) {
		const char *why = busy(pfn_to_page(k));

		if (why) {
			vm_block_reason("block %lu: pfn %#lx %s", vm_block_nr(b), k, why);
			return;
		}
	}
	vm_block_reason("block %lu: pfns %#lx-%#lx could not be taken", vm_block_nr(b),
			pfn, pfn + n - 1);
}

/*
 * Plugged sub-block i of an offline block holds only free memory that went
 * offline, unless another driver (a balloon) kept pages of it across the
 * offline (PageOffline, skippable): those are its, the block must stay.
 */
static bool offline_sb_clear(unsigned long b, unsigned long i)
{
	unsigned long pfn = vm_sb_pfn(i), n = 1UL << vmem.sb_order;

	for (unsigned long k = pfn; k < pfn + n; k++) {
		if (!PageOfflineSkippable(pfn_to_page(k)))
			continue;
		if (!vmem.blocked[0])
			vm_block_reason("block %lu (offline): pfn %#lx is another "
					"driver's (ballooned)", vm_block_nr(b), k);
		return false;
	}
	return true;
}

/* Sub-block i whole from the allocator, as the driver's PageOffline pages
 * (online block); in an offline block, only the check above. */
static bool take_sb(unsigned long b, unsigned long i)
{
	unsigned long pfn = vm_sb_pfn(i), step = 1UL << vmem.chunk_order;
	unsigned long n = 1UL << vmem.sb_order, k;

	if (vmem.blk[b] == VM_BLK_OFFLINE)
		return offline_sb_clear(b, i);
	for (k = 0; k < n; k += step) {
		if (alloc_pages_at(pfn + k, vmem.chunk_order))
			continue;
		note_busy(b, pfn + k, step);
		while (k) {
			k -= step;
			free_pages(pfn_to_page(pfn + k), vmem.chunk_order);
		}
		return false;
	}
	for (k = 0; k < n; k += step)
		set_pages_offline(pfn_to_page(pfn + k), vmem.chunk_order);
	return true;
}

/* UNPLUG [first, first + n); pages (taken) go back if the device said no. */
static int unplug_run(unsigned long first, unsigned long n, bool taken)
{
	int r = vm_request(VIRTIO_MEM_REQ_UNPLUG, first, n, NULL);

	if (r == VIRTIO_MEM_RESP_ACK) {
		vm_set_sbs(first, n, VM_SB_UNPLUGGED);
		vmem.c.unplugged_sbs += n;
	} else if (taken && vm_undo(r)) {
		vm_give_pages(first, n);
	}
	return r;
}

/* Every plugged sub-block of block b (absent: no pages to take). */
static enum vm_step unplug_absent(unsigned long b)
{
	unsigned long i = b * vmem.sb_per_block, end = i + vmem.sb_per_block;

	while (i < end) {
		unsigned long n = 0;
		int r;

		while (i + n < end && vm_sb(&vmem, i + n) == VM_SB_PLUGGED)
			n++;
		if (!n) {
			i++;
			continue;
		}
		r = unplug_run(i, n, false);
		if (r != VIRTIO_MEM_RESP_ACK)
			return vm_after(r);
		i += n;
	}
	return VM_AGAIN;
}

enum vm_step vm_unplug_strays(void)
{
	for (unsigned long b = 0; b < vmem.nr_blocks; b++)
		if (vmem.blk[b] == VM_BLK_ABSENT && vm_count_sbs(b, VM_SB_PLUGGED))
			return unplug_absent(b);
	return VM_IDLE;
}

enum vm_step vm_unplug_all_step(void)
{
	int r = vm_request(VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0, NULL);

	if (r != VIRTIO_MEM_RESP_ACK)
		return VM_RETRY;
	vmem.unplug_all = false;
	vm_set_sbs(0, vm_nr_sbs(), VM_SB_UNPLUGGED);
	vm_read_config();
	pr_info("virtio-mem: unplug-all done: the device has %llu MiB plugged\n",
		(unsigned long long)(vmem.plugged_dev / MiB));
	return VM_AGAIN;
}

/* Offline block b goes (nothing of it in use), then all it had is unplugged. */
static enum vm_step remove_block(unsigned long b)
{
	unsigned long nr = vm_block_nr(b), first = b * vmem.sb_per_block;
	int err;

	for (unsigned long i = first; i < first + vmem.sb_per_block; i++)
		if (vm_sb(&vmem, i) == VM_SB_PLUGGED && !offline_sb_clear(b, i))
			return VM_IDLE;
	err = remove_memory_driver_managed((phys_addr_t)nr * SECTION_SIZE,
					   SECTION_SIZE, &vmem.owner);
	if (err) {
		vm_block_reason("block %lu: remove failed (%s)", nr, errno_name(err));
		return VM_RETRY;
	}
	vmem.blk[b] = VM_BLK_ABSENT;
	vmem.c.blocks_removed++;
	return unplug_absent(b);
}

/* The top `excess` plugged sub-blocks (not the memmap's) of block b, each
 * taken first (online; offline: checked), in runs. AGAIN when some went. */
static enum vm_step unplug_top(unsigned long b, unsigned long excess)
{
	unsigned long lo = b * vmem.sb_per_block + vmem.memmap_sbs;
	unsigned long i = (b + 1) * vmem.sb_per_block, done = 0;
	bool take = vmem.blk[b] == VM_BLK_ONLINE;

	while (i > lo && done < excess) {
		unsigned long top = i;
		int r;

		/* A run [i, top) of plugged sub-blocks, taken. */
		while (i > lo && done + (top - i) < excess &&
		       vm_sb(&vmem, i - 1) == VM_SB_PLUGGED && take_sb(b, i - 1))
			i--;
		if (i == top) {
			i--; /* not plugged, or in use: the next one down */
			continue;
		}
		r = unplug_run(i, top - i, take);
		if (r != VIRTIO_MEM_RESP_ACK)
			return vm_after(r);
		done += top - i;
	}
	return done ? VM_AGAIN : VM_IDLE;
}

/* Online block b with only its memmap plugged: offline, remove, UNPLUG. */
static enum vm_step retire(unsigned long b)
{
	unsigned long first = b * vmem.sb_per_block, nr = vm_block_nr(b);
	int err;

	for (unsigned long i = first; i < first + vmem.memmap_sbs; i++) {
		unsigned long pfn = vm_sb_pfn(i), n = 1UL << vmem.sb_order;

		for (unsigned long k = pfn; k < pfn + n; k++)
			if (busy(pfn_to_page(k))) {
				note_busy(b, k, 1);
				return VM_IDLE;
			}
	}
	err = offline_memory_block(nr);
	if (err) {
		if (!vmem.blocked[0])
			vm_block_reason("block %lu: offline failed (%s)", nr,
					errno_name(err));
		return VM_IDLE;
	}
	return remove_block(b);
}

static unsigned long plugged_above_memmap(unsigned long b)
{
	unsigned long n = 0, i = b * vmem.sb_per_block;

	for (unsigned long k = vmem.memmap_sbs; k < vmem.sb_per_block; k++)
		n += vm_sb(&vmem, i + k) == VM_SB_PLUGGED;
	return n;
}

static enum vm_step unplug_block(unsigned long b, unsigned long excess)
{
	bool online = vmem.blk[b] == VM_BLK_ONLINE;

	if (plugged_above_memmap(b))
		return unplug_top(b, excess);
	if (vm_count_sbs(b, VM_SB_PLUGGED) > excess)
		return VM_IDLE; /* its memmap is more than the goal allows */
	return online ? retire(b) : remove_block(b);
}

enum vm_step vm_unplug_step(unsigned long excess)
{
	bool tried = false;
	enum vm_step s;

	vmem.blocked[0] = 0;
	for (unsigned long b = vmem.nr_blocks; b-- > 0;) {
		if (vmem.blk[b] != VM_BLK_OFFLINE || !vm_count_sbs(b, VM_SB_PLUGGED))
			continue;
		tried = true;
		/* Whole when it fits the excess: nothing in it is in use. */
		s = vm_count_sbs(b, VM_SB_PLUGGED) <= excess ? remove_block(b) :
			unplug_block(b, excess);
		if (s != VM_IDLE)
			return s;
	}
	for (unsigned long b = vmem.nr_blocks; b-- > 0;) {
		if (vmem.blk[b] != VM_BLK_ONLINE || !vm_count_sbs(b, VM_SB_PLUGGED))
			continue;
		tried = true;
		s = unplug_block(b, excess);
		if (s != VM_IDLE)
			return s;
	}
	return tried && vmem.blocked[0] ? VM_RETRY : VM_IDLE;
}
