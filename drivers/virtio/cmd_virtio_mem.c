/*
 * `virtio-mem`: the device, its region and sizes, one line per present
 * memory block with its sub-block map, then the requests and answers, the
 * retries and what stops unplug now, and the time spent.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>
#include <ballast/virtio.h>
#include <ballast/virtio_mem.h>
#include <linux/virtio_mem.h>
#include "mem_internal.h"

/* Map characters, at most this many per line. */
#define MAP_PER_LINE 64

static unsigned long long mib(u64 b)
{
	return (unsigned long long)(b / MiB);
}

static unsigned long long ms(u64 ns)
{
	return (unsigned long long)(ns / NSEC_PER_MSEC);
}

static char sb_char(const struct virtio_mem *vm, unsigned long b, unsigned long s)
{
	enum vm_sb_state st = vm_sb(vm, b * vm->sb_per_block + s);

	if (st == VM_SB_UNKNOWN)
		return '?';
	if (st == VM_SB_UNPLUGGED)
		return '.';
	return s < vm->memmap_sbs && vm->blk[b] != VM_BLK_ABSENT ? 'm' : '#';
}

static void show_block(const struct virtio_mem *vm, unsigned long b)
{
	static const char *const names[] = { "absent", "offline", "online" };
	char line[MAP_PER_LINE + 1];
	unsigned long nr = vm->first_block + b, plugged = 0;

	for (unsigned long s = 0; s < vm->sb_per_block; s++)
		plugged += vm_sb(vm, b * vm->sb_per_block + s) == VM_SB_PLUGGED;
	printk("  block %lu  %#llx  %-7s %3lu/%lu plugged  ", nr,
	       (unsigned long long)nr * SECTION_SIZE, names[vm->blk[b]],
	       plugged, vm->sb_per_block);
	for (unsigned long s = 0; s < vm->sb_per_block; s += MAP_PER_LINE) {
		unsigned long n = MIN((unsigned long)MAP_PER_LINE, vm->sb_per_block - s);

		for (unsigned long k = 0; k < n; k++)
			line[k] = sb_char(vm, b, s + k);
		line[n] = 0;
		printk("%s%s\n", s ? "      " : "", line);
	}
}

static void show_last(const struct virtio_mem *vm, u16 r)
{
	if (!vm->c.last_ns[r]) {
		printk("last %-5s   none\n", vm_resp_name(r));
		return;
	}
	printk("last %-5s   at %llu ms: %s\n", vm_resp_name(r),
	       ms(vm->c.last_ns[r]), vm->c.last_why[r]);
}

void virtio_mem_show(void)
{
	const struct virtio_mem *vm = virtio_mem_get();
	const struct vm_counters *c = &vm->c;
	unsigned long present = 0;

	printk("device:      %s (%s), features %#llx\n", vm->vdev->name,
	       vm->vdev->where, (unsigned long long)vm->vdev->features);
	printk("region:      %#llx +%llu MiB, usable %llu MiB; memory blocks "
	       "%lu-%lu used\n", (unsigned long long)vm->addr,
	       mib(vm->region_size), mib(vm->usable), vm->first_block,
	       vm->first_block + vm->nr_blocks - 1);
	printk("block size:  %llu KiB (%lu per memory block, %lu for its memmap)\n",
	       (unsigned long long)(vm->block_size / KiB), vm->sb_per_block,
	       vm->memmap_sbs);
	printk("requested:   %llu MiB\n", mib(vm->requested));
	printk("plugged:     %llu MiB by the device, %llu MiB by the driver "
	       "(%lu sub-blocks%s)\n", mib(vm->plugged_dev),
	       mib((u64)vm->nr_plugged * vm->block_size), vm->nr_plugged,
	       vm->nr_unknown ? ", some unknown" : "");
	printk("map:         # plugged, m its memmap, . unplugged, ? unknown\n");
	for (unsigned long b = 0; b < vm->nr_blocks; b++) {
		bool any = vm->blk[b] != VM_BLK_ABSENT;

		for (unsigned long s = 0; !any && s < vm->sb_per_block; s++)
			any = vm_sb(vm, b * vm->sb_per_block + s) != VM_SB_UNPLUGGED;
		if (any) {
			show_block(vm, b);
			present++;
		}
	}
	if (!present)
		printk("  (no block present)\n");
	printk("requests:    %llu plug, %llu unplug, %llu unplug-all, %llu state\n",
	       (unsigned long long)c->sent[VIRTIO_MEM_REQ_PLUG],
	       (unsigned long long)c->sent[VIRTIO_MEM_REQ_UNPLUG],
	       (unsigned long long)c->sent[VIRTIO_MEM_REQ_UNPLUG_ALL],
	       (unsigned long long)c->sent[VIRTIO_MEM_REQ_STATE]);
	printk("answers:     %llu ACK, %llu NACK, %llu BUSY, %llu ERROR; %llu "
	       "timeouts, %llu late%s\n",
	       (unsigned long long)c->resp[VIRTIO_MEM_RESP_ACK],
	       (unsigned long long)c->resp[VIRTIO_MEM_RESP_NACK],
	       (unsigned long long)c->resp[VIRTIO_MEM_RESP_BUSY],
	       (unsigned long long)c->resp[VIRTIO_MEM_RESP_ERROR],
	       (unsigned long long)c->timeouts, (unsigned long long)c->late,
	       vm->late ? " (the device holds a request now)" : "");
	printk("moved:       %llu sub-blocks plugged, %llu unplugged; %llu blocks "
	       "added, %llu removed\n", (unsigned long long)c->plugged_sbs,
	       (unsigned long long)c->unplugged_sbs,
	       (unsigned long long)c->blocks_added,
	       (unsigned long long)c->blocks_removed);
	printk("retries:     %llu of %llu runs; backoff now %llu ms%s\n",
	       (unsigned long long)c->retries, (unsigned long long)c->runs,
	       ms(vm->backoff_ns), vm->unplug_all ? "; unplug-all owed" : "");
	show_last(vm, VIRTIO_MEM_RESP_NACK);
	show_last(vm, VIRTIO_MEM_RESP_BUSY);
	show_last(vm, VIRTIO_MEM_RESP_ERROR);
	printk("blocked:     %s\n", vm->blocked[0] ? vm->blocked : "nothing");
	printk("time:        %llu ms in the driver, %llu ms waiting for the device\n",
	       ms(c->driver_ns), ms(c->wait_ns));
}

static int cmd_virtio_mem(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	if (!virtio_mem_get()->vdev) {
		printk("virtio-mem: no device\n");
		return 0;
	}
	virtio_mem_show();
	return 0;
}
SHELL_COMMAND_NAMED(virtio_mem, "virtio-mem", "",
		    "virtio-mem: region, sub-block map per block, requests, "
		    "what blocks unplug", cmd_virtio_mem);
