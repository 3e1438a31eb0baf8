/*
 * virtio-mem plug: partly plugged online blocks first (lowest address
 * first: their memmap is paid for already), then new blocks at ascending
 * addresses. Offline blocks (a user's chmem -d) are left alone.
 *
 * A new block: one PLUG of its memmap's sub-blocks and as many more as the
 * goal needs, then add_memory_driver_managed (memmap on its own first
 * sub-blocks) and online; vm_online_page gives the plugged sub-blocks to
 * the allocator. If add or online fails, what was plugged is unplugged.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <linux/virtio_mem.h>
#include "mem_internal.h"

void vm_give_pages(unsigned long first, unsigned long n)
{
	unsigned long step = 1UL << vmem.chunk_order;

	for (unsigned long i = first; i < first + n; i++) {
		unsigned long pfn = vm_sb_pfn(i);

		for (unsigned long k = 0; k < (1UL << vmem.sb_order); k += step)
			free_offline_pages(pfn_to_page(pfn + k), vmem.chunk_order);
	}
}

/* PLUG [first, first + n) of an online block, pages to the allocator. */
static int plug_run(unsigned long first, unsigned long n)
{
	int r = vm_request(VIRTIO_MEM_REQ_PLUG, first, n, NULL);

	if (r != VIRTIO_MEM_RESP_ACK)
		return r;
	vm_set_sbs(first, n, VM_SB_PLUGGED);
	vmem.c.plugged_sbs += n;
	vm_give_pages(first, n);
	return r;
}

/* Up to `need` more sub-blocks of online block b, in runs. */
static enum vm_step plug_online(unsigned long b, unsigned long need)
{
	unsigned long i = b * vmem.sb_per_block + vmem.memmap_sbs,
		      end = (b + 1) * vmem.sb_per_block;

	while (i < end && need) {
		unsigned long n = 0;
		int r;

		if (vm_sb(&vmem, i) != VM_SB_UNPLUGGED || !vm_sb_usable(i)) {
			i++;
			continue;
		}
		while (i + n < end && n < need &&
		       vm_sb(&vmem, i + n) == VM_SB_UNPLUGGED && vm_sb_usable(i + n))
			n++;
		r = plug_run(i, n);
		if (r != VIRTIO_MEM_RESP_ACK)
			return vm_after(r);
		i += n;
		need -= n;
	}
	return VM_AGAIN;
}

static bool has_room(unsigned long b)
{
	unsigned long i = b * vmem.sb_per_block + vmem.memmap_sbs;

	for (; i < (b + 1) * vmem.sb_per_block; i++)
		if (vm_sb(&vmem, i) == VM_SB_UNPLUGGED && vm_sb_usable(i))
			return true;
	return false;
}

/* Give back what a new block had plugged (its add or online failed). */
static void unplug_new(unsigned long first, unsigned long n)
{
	int r = vm_request(VIRTIO_MEM_REQ_UNPLUG, first, n, NULL);

	if (r == VIRTIO_MEM_RESP_ACK) {
		vm_set_sbs(first, n, VM_SB_UNPLUGGED);
		vmem.c.unplugged_sbs += n;
	}
	/* else: plugged sub-blocks of an absent block, unplugged by
	 * vm_unplug_strays later, or unknown (resync) */
}

static enum vm_step add_block(unsigned long b, unsigned long first,
			      unsigned long n)
{
	unsigned long nr = vm_block_nr(b);
	phys_addr_t start = (phys_addr_t)nr * SECTION_SIZE;
	int err = add_memory_driver_managed(start, SECTION_SIZE,
					    MHP_MEMMAP_ON_MEMORY | MHP_BACKED,
					    &vmem.owner);

	if (err) {
		pr_err("virtio-mem: memory block %lu (%#llx): add failed (%s): "
		       "its %lu plugged sub-blocks go back\n", nr,
		       (unsigned long long)start, errno_name(err), n);
		unplug_new(first, n);
		return VM_RETRY;
	}
	vmem.blk[b] = VM_BLK_OFFLINE;
	vmem.c.blocks_added++;
	err = online_memory_block(nr);
	if (!err)
		return VM_AGAIN;
	pr_err("virtio-mem: memory block %lu (%#llx): online failed (%s): it is "
	       "removed and its %lu plugged sub-blocks go back\n", nr,
	       (unsigned long long)start, errno_name(err), n);
	if (!remove_memory_driver_managed(start, SECTION_SIZE, &vmem.owner)) {
		vmem.blk[b] = VM_BLK_ABSENT;
		vmem.c.blocks_removed++;
		unplug_new(first, n);
	}
	return VM_RETRY;
}

/* Absent block b: its memmap and up to `need` sub-blocks in one PLUG. */
static enum vm_step plug_new(unsigned long b, unsigned long need)
{
	unsigned long first = b * vmem.sb_per_block;
	unsigned long n = MIN(need, vmem.sb_per_block);
	int r;

	while (n && !vm_sb_usable(first + n - 1))
		n--;
	if (n < vmem.memmap_sbs) {
		if (!vmem.said_stuck)
			pr_notice("virtio-mem: %lu more sub-blocks wanted, but a new "
				  "memory block needs %lu for its memmap%s: plugging "
				  "stops here\n", need, vmem.memmap_sbs,
				  n < need ? " inside the usable region" : "");
		vmem.said_stuck = true;
		return VM_IDLE;
	}
	r = vm_request(VIRTIO_MEM_REQ_PLUG, first, n, NULL);
	if (r != VIRTIO_MEM_RESP_ACK)
		return vm_after(r);
	vm_set_sbs(first, n, VM_SB_PLUGGED);
	vmem.c.plugged_sbs += n;
	return add_block(b, first, n);
}

static bool all_unplugged(unsigned long b)
{
	return vm_count_sbs(b, VM_SB_UNPLUGGED) == vmem.sb_per_block;
}

enum vm_step vm_plug_step(unsigned long need)
{
	for (unsigned long b = 0; b < vmem.nr_blocks; b++)
		if (vmem.blk[b] == VM_BLK_ONLINE && has_room(b))
			return plug_online(b, need);
	for (unsigned long b = 0; b < vmem.nr_blocks; b++)
		if (vmem.blk[b] == VM_BLK_ABSENT && all_unplugged(b))
			return plug_new(b, need);
	if (!vmem.said_stuck)
		pr_notice("virtio-mem: %lu more sub-blocks wanted, but no online "
			  "block has room and no new block fits the usable region "
			  "(offline blocks are not plugged)\n", need);
	vmem.said_stuck = true;
	return VM_IDLE;
}
