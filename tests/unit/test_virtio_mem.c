/*
 * The virtio-mem driver over the simulated device (sim_virtio_mem.c): probe
 * and its refusals, plugging to a size and back to nothing with mm as it
 * was at boot, unplug stopped by pages in use (backoff, then done), each
 * response type, a request never answered, requested_size moving mid-way,
 * memory plugged at probe, a block offlined with chmem, the command, and
 * the balloon beside it. Unplugged sub-blocks are PROT_NONE in the
 * simulator: any touch of one kills the test.
 */
#include "unit.h"
#include "sim_virtio_mem.h"
#include "virtio_test.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/errno.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/shell.h>
#include <ballast/virtio_mem.h>
#include <linux/virtio_config.h>

#define VMT_BLK0 (VMT_ADDR / SECTION_SIZE)
#define SBS_PER_BLOCK (SECTION_SIZE / VMT_BS)

static const struct virtio_mem *vm(void)
{
	return virtio_mem_get();
}

/* The host asks for `bytes`; run until the driver rests. */
static void host_wants(u64 bytes)
{
	sim_vmem_set_requested(bytes);
	vmt_run(0);
}

/* ...and gets exactly that, everything accounted. */
static void host_gets(u64 bytes)
{
	host_wants(bytes);
	CHECK_EQ(svm.cfg.plugged_size, bytes);
	CHECK_EQ((u64)vm()->nr_plugged * VMT_BS, bytes);
	vmt_check();
}

static int sh(const char *line)
{
	unit_log_clear();
	return shell_run_line(line);
}

/* mm as it was: the same counters, and no block of the region present. */
static void check_back_to(const struct mm_stats *boot)
{
	struct mm_stats now = mmt_stats();

	CHECK_EQ(now.present, boot->present);
	CHECK_EQ(now.managed, boot->managed);
	CHECK_EQ(now.free, boot->free);
	CHECK_EQ(now.page_offline, boot->page_offline);
	CHECK_EQ(now.memmap, boot->memmap);
	CHECK_EQ(now.nr_sections_present, boot->nr_sections_present);
	CHECK_STATS_EQ(now, *boot);
	for (unsigned long b = 0; b < VMT_SIZE / SECTION_SIZE; b++) {
		struct section_info si;

		CHECK_EQ(mm_section_info(VMT_BLK0 + b, &si), 0);
		CHECK_EQ(si.state, SECTION_ABSENT);
	}
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(virtio_mem_probe)
{
	vmt_boot(VMT_QEMU_FEATURES | (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE));
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), 0);
	/* VERSION_1 and UNPLUGGED_INACCESSIBLE; not ACPI_PXM, no ring extras. */
	CHECK_EQ(svm.accepted, (1ULL << VIRTIO_F_VERSION_1) |
			       (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE));
	CHECK(svm.status & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK_EQ(vm()->first_block, VMT_BLK0);
	CHECK_EQ(vm()->nr_blocks, VMT_SIZE / SECTION_SIZE);
	CHECK_EQ(vm()->sb_per_block, SBS_PER_BLOCK);
	CHECK_EQ(vm()->memmap_sbs, 1);
	CHECK(strstr(unit_log(), "region 0x80000000 +1024 MiB"));
	vmt_run(0);
	CHECK_EQ(vm()->nr_plugged, 0);
	vmt_check();
	vmt_done();
}

TEST(virtio_mem_refuses_bad_layouts)
{
	vmt_boot(VMT_QEMU_FEATURES);
	sim_vmem_init(VMT_QEMU_FEATURES, VMT_ADDR, VMT_SIZE, 256ULL << 20);
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), -EINVAL);
	CHECK(strstr(unit_log(), "block size 0x10000000"));
	CHECK(svm.status & VIRTIO_CONFIG_S_FAILED);

	vmt_boot(VMT_QEMU_FEATURES);
	sim_vmem_init(VMT_QEMU_FEATURES, VMT_ADDR + (1 << 20), VMT_SIZE, VMT_BS);
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), -EINVAL);
	CHECK(strstr(unit_log(), "not aligned to its block size"));

	vmt_boot(VMT_QEMU_FEATURES);
	sim_vmem_init(VMT_QEMU_FEATURES, VMT_ADDR, 64ULL << 20, VMT_BS);
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), -EINVAL);
	CHECK(strstr(unit_log(), "holds no whole 128 MiB memory block"));
	vmt_done();
}

TEST(virtio_mem_partial_and_high_regions)
{
	/* A trailing partial block: not used, and said. */
	vmt_boot(VMT_QEMU_FEATURES);
	sim_vmem_init(VMT_QEMU_FEATURES, VMT_ADDR, 200ULL << 20, VMT_BS);
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), 0);
	CHECK(strstr(unit_log(), "the last 72 MiB of the region do not fill a memory block"));
	CHECK_EQ(vm()->nr_blocks, 1);
	unit_log_clear();
	host_wants(200ULL << 20);
	CHECK(strstr(unit_log(), "it plugs that"));
	CHECK_EQ(vm()->nr_plugged, SBS_PER_BLOCK);

	/* Beyond the highest physical address: the part below it. */
	vmt_boot(VMT_QEMU_FEATURES);
	sim_vmem_init(VMT_QEMU_FEATURES, SIM_MM_MAX_PHYS - SECTION_SIZE,
		      2 * SECTION_SIZE, VMT_BS);
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), 0);
	CHECK(strstr(unit_log(), "only the part below it is used"));
	CHECK_EQ(vm()->nr_blocks, 1);
	host_wants(SECTION_SIZE);
	CHECK_EQ(vm()->nr_plugged, SBS_PER_BLOCK);
	host_wants(0);
	CHECK_EQ(vm()->nr_plugged, 0);
	vmt_done();
}

TEST(virtio_mem_plug_and_unplug_to_zero)
{
	struct mm_stats boot, full;

	vmt_boot_added();
	vmt_run(0);
	boot = mmt_stats();
	host_gets(VMT_SIZE);
	full = mmt_stats();
	CHECK_EQ(full.present - boot.present, VMT_SIZE / PAGE_SIZE);
	CHECK_EQ(full.nr_sections_online - boot.nr_sections_online, 8);
	/* All but the memmaps (and their page tables) is free memory. */
	CHECK_EQ(full.free - boot.free, VMT_SIZE / PAGE_SIZE - 8 * section_memmap_pages() -
					(full.pgtable - boot.pgtable));
	CHECK_EQ(vm()->c.blocks_added, 8);
	/* One PLUG per new block (memmap and the rest together). */
	CHECK_EQ(vm()->c.sent[VIRTIO_MEM_REQ_PLUG], 8);
	host_gets(300ULL << 20);
	host_gets(302ULL << 20);
	host_gets(2ULL << 20);
	host_gets(0);
	check_back_to(&boot);
	CHECK_EQ(vm()->c.blocks_removed, 8);
	CHECK_EQ(vm()->c.resp[VIRTIO_MEM_RESP_NACK] + vm()->c.resp[VIRTIO_MEM_RESP_BUSY] +
		 vm()->c.resp[VIRTIO_MEM_RESP_ERROR], 0);
	/* Again, from nothing: nothing was left behind. */
	host_gets(VMT_SIZE / 2);
	host_gets(0);
	check_back_to(&boot);
	vmt_done();
}

TEST(virtio_mem_partial_block_fills_first)
{
	vmt_boot_added();
	host_gets(200ULL << 20); /* block 16 whole, 17 with 36 sub-blocks */
	CHECK_EQ(vm()->blk[1], VM_BLK_ONLINE);
	CHECK_EQ(vm()->blk[2], VM_BLK_ABSENT);
	host_gets(250ULL << 20); /* block 17 filled further, no new block */
	CHECK_EQ(vm()->blk[2], VM_BLK_ABSENT);
	CHECK_EQ(vm()->c.blocks_added, 2);
	host_gets(0);
	vmt_done();
}

TEST(virtio_mem_unplug_in_use_backs_off)
{
	struct mm_stats boot;
	struct page *pinned;
	u64 t0;

	vmt_boot_added();
	vmt_run(0);
	boot = mmt_stats();
	host_gets(2 * SECTION_SIZE);
	pinned = mmt_alloc_in_block(VMT_BLK0 + 1);
	CHECK(pinned);
	sim_vmem_set_requested(0);
	/* Everything but the pinned sub-block goes; then backoffs, doubling. */
	vmt_run(200);
	CHECK(vm()->work.queued);
	CHECK(strstr(vm()->blocked, "in use"));
	CHECK(strstr(vm()->blocked, "pfn 0x"));
	/* The pinned sub-block and block 17's memmap (the same if the page
	 * is in the memmap's sub-block) */
	CHECK(vm()->nr_plugged == 1 || vm()->nr_plugged == 2);
	CHECK_EQ(vm()->backoff_ns, VM_BACKOFF_MAX_NS);
	vmt_check();
	t0 = sim_clock_now;
	vmt_run(3);
	CHECK_EQ(sim_clock_now - t0, 3 * VM_BACKOFF_MAX_NS);
	CHECK(sh("virtio-mem") == 0 && strstr(unit_log(), "blocked:     block 17: pfn"));
	free_page(pinned);
	vmt_run(0);
	CHECK_EQ(vm()->nr_plugged, 0);
	CHECK_EQ(vm()->blocked[0], 0);
	check_back_to(&boot);
	vmt_check();
	vmt_done();
}

TEST(virtio_mem_backoff_doubles)
{
	u64 t[6];

	vmt_boot_added();
	host_gets(SECTION_SIZE);
	CHECK(mmt_alloc_in_block(VMT_BLK0)); /* kept for good */
	sim_vmem_set_requested(0);
	vmt_run(80); /* 63 sub-blocks, one per step at most: over the first ones */
	vmt_run(0 + 1);
	for (int i = 0; i < 6; i++) {
		vmt_run(1);
		t[i] = vm()->backoff_ns;
	}
	CHECK(t[5] == VM_BACKOFF_MAX_NS);
	for (int i = 1; i < 6; i++)
		CHECK(t[i] == MIN(t[i - 1] * 2, VM_BACKOFF_MAX_NS));
	/* A config change starts over at once. */
	sim_vmem_set_requested(0);
	virtio_poll();
	CHECK_EQ(vm()->backoff_ns, 0);
	CHECK(vm()->work.queued && vm()->work.deadline <= sim_clock_now);
	vmt_done();
}

TEST(virtio_mem_nack_busy_error)
{
	vmt_boot_added();
	svm.nack_next = 1;
	host_gets(SECTION_SIZE);
	CHECK_EQ(vm()->c.resp[VIRTIO_MEM_RESP_NACK], 1);
	CHECK(strstr(vm()->c.last_why[VIRTIO_MEM_RESP_NACK], "beyond the requested size"));
	CHECK(vm()->c.retries >= 1);

	svm.busy_next = 3;
	host_gets(0);
	CHECK_EQ(vm()->c.resp[VIRTIO_MEM_RESP_BUSY], 3);
	CHECK(strstr(vm()->c.last_why[VIRTIO_MEM_RESP_BUSY], "busy"));

	/* ERROR on a plug into an online block, then on an unplug: resync. */
	host_gets(100ULL << 20);
	svm.error_next = 1;
	unit_log_clear();
	host_gets(120ULL << 20);
	CHECK(strstr(unit_log(), "disagree"));
	CHECK(vm()->c.sent[VIRTIO_MEM_REQ_STATE] >= 1);
	svm.error_next = 1;
	host_gets(50ULL << 20);
	CHECK_EQ(vm()->c.resp[VIRTIO_MEM_RESP_ERROR], 2);
	CHECK(vm()->c.last_ns[VIRTIO_MEM_RESP_ERROR] > 0);
	host_gets(0);
	CHECK(sh("virtio-mem") == 0);
	CHECK(strstr(unit_log(), "last NACK    at"));
	CHECK(strstr(unit_log(), "last ERROR   at"));
	vmt_done();
}

TEST(virtio_mem_request_never_answered)
{
	vmt_boot_added();
	host_gets(SECTION_SIZE);
	/* A plug into block 16... there is no room: a new block's plug. */
	svm.keep_next = 1;
	unit_log_clear();
	host_wants(SECTION_SIZE + (64ULL << 20));
	CHECK(strstr(unit_log(), "did not answer"));
	CHECK(vm()->late);
	CHECK_EQ(vm()->nr_unknown, 32);
	CHECK_EQ(vm()->blk[1], VM_BLK_ABSENT);
	u64 sent = vm()->c.sent[0] + vm()->c.sent[1] + vm()->c.sent[3];

	/* Nothing goes out while the device holds it. */
	CHECK(!vm()->work.queued);
	sim_vmem_set_requested(SECTION_SIZE + (66ULL << 20));
	vmt_run(5);
	CHECK_EQ(vm()->c.sent[0] + vm()->c.sent[1] + vm()->c.sent[3], sent);
	vmt_check();
	CHECK_EQ(sim_vmem_release(1), 1);
	vmt_run(0);
	CHECK_EQ(vm()->c.late, 1);
	CHECK(!vm()->late);
	CHECK_EQ(vm()->nr_unknown, 0);
	CHECK_EQ(svm.cfg.plugged_size, SECTION_SIZE + (66ULL << 20));
	vmt_check();

	/* An unplug never answered: its pages stay the driver's meanwhile. */
	svm.keep_next = 1;
	host_wants(SECTION_SIZE);
	CHECK(vm()->late);
	CHECK(vm()->nr_unknown > 0);
	vmt_check();
	CHECK_EQ(sim_vmem_release(1), 1);
	host_gets(SECTION_SIZE);
	host_gets(0);
	vmt_done();
}

TEST(virtio_mem_slow_answer_within_timeout)
{
	vmt_boot_added();
	svm.delay_polls = 50; /* 50 ms */
	host_gets(SECTION_SIZE);
	CHECK_EQ(vm()->c.timeouts, 0);
	CHECK(vm()->c.wait_ns >= 50 * NSEC_PER_MSEC);
	svm.delay_polls = 0;
	host_gets(0);
	vmt_done();
}

static void shrink_mid(void)
{
	sim_vmem_set_requested(64ULL << 20);
}

TEST(virtio_mem_requested_changes_mid_way)
{
	vmt_boot_added();
	svm.change_mid = true;
	svm.change_to = 3 * SECTION_SIZE;
	host_wants(VMT_SIZE); /* it settles at the new size */
	CHECK_EQ(vm()->nr_plugged, 3 * SBS_PER_BLOCK);
	vmt_check();
	host_gets(0);
	svm.during = shrink_mid;
	host_wants(VMT_SIZE); /* the second plug is NACKed: beyond the new size */
	CHECK_EQ(svm.cfg.plugged_size, 64ULL << 20);
	CHECK_EQ(vm()->c.resp[VIRTIO_MEM_RESP_NACK], 1);
	vmt_check();
	host_gets(0);
	vmt_done();
}

TEST(virtio_mem_reset_with_memory_plugged)
{
	struct mm_stats boot;

	vmt_boot(VMT_QEMU_FEATURES);
	sim_vmem_preplug(VMT_ADDR + SECTION_SIZE, 64ULL << 20);
	svm.busy_next = 1;
	unit_log_clear();
	CHECK_EQ(sim_vmem_add(), 0);
	boot = mmt_stats(); /* with the driver's rings and maps */
	CHECK(strstr(unit_log(), "64 MiB plugged at start"));
	CHECK(vm()->unplug_all);
	vmt_run(0);
	/* BUSY, then ACK; then the requested 64 MiB plugged the driver's way. */
	CHECK_EQ(vm()->c.sent[VIRTIO_MEM_REQ_UNPLUG_ALL], 2);
	CHECK(!vm()->unplug_all);
	CHECK_EQ(vm()->nr_plugged, 32);
	CHECK(sim_vmem_block_plugged(VMT_ADDR));
	CHECK(!sim_vmem_block_plugged(VMT_ADDR + SECTION_SIZE));
	vmt_check();
	host_gets(0);
	check_back_to(&boot);
	vmt_done();
}

TEST(virtio_mem_chmem_offline_then_unplug)
{
	struct mm_stats boot;

	vmt_boot_added();
	vmt_run(0);
	boot = mmt_stats();
	host_gets(4 * SECTION_SIZE - (20ULL << 20)); /* block 19 partly plugged */
	/* A user offlines the partly plugged block and a full one. */
	CHECK_EQ(sh("chmem -d -b 19"), 0);
	CHECK_EQ(sh("chmem -d -b 17"), 0);
	vmt_run(0);
	CHECK_EQ(vm()->blk[3], VM_BLK_OFFLINE);
	CHECK_EQ(vm()->blk[1], VM_BLK_OFFLINE);
	vmt_check();
	/* Online again: the unplugged sub-blocks stay offline. */
	CHECK_EQ(sh("chmem -e -b 19"), 0);
	vmt_run(0);
	CHECK_EQ(vm()->blk[3], VM_BLK_ONLINE);
	vmt_check();
	CHECK_EQ(sh("chmem -d -b 19"), 0);
	/* More wanted: offline blocks are not plugged, a new one is added. */
	host_gets(4 * SECTION_SIZE);
	CHECK_EQ(vm()->blk[3], VM_BLK_OFFLINE);
	CHECK_EQ(vm()->blk[4], VM_BLK_ONLINE);
	/* Less: the offline blocks go first, whole. */
	host_gets(3 * SECTION_SIZE - (20ULL << 20));
	CHECK_EQ(vm()->blk[3], VM_BLK_ABSENT);
	CHECK_EQ(vm()->blk[1], VM_BLK_OFFLINE); /* a whole block was more than asked */
	host_gets(0);
	check_back_to(&boot);
	vmt_done();
}

TEST(virtio_mem_command)
{
	vmt_boot_added();
	host_gets(SECTION_SIZE + (8ULL << 20));
	CHECK_EQ(sh("virtio-mem"), 0);
	CHECK(strstr(unit_log(), "region:      0x80000000 +1024 MiB"));
	CHECK(strstr(unit_log(), "block size:  2048 KiB (64 per memory block, 1 for its memmap)"));
	CHECK(strstr(unit_log(), "plugged:     136 MiB by the device, 136 MiB by the driver"));
	CHECK(strstr(unit_log(), "block 16  0x80000000  online   64/64 plugged  m###"));
	CHECK(strstr(unit_log(), "block 17  0x88000000  online    4/64 plugged  m###......"));
	CHECK(strstr(unit_log(), "requests:    2 plug, 0 unplug, 0 unplug-all, 0 state"));
	CHECK(strstr(unit_log(), "answers:     2 ACK, 0 NACK, 0 BUSY, 0 ERROR"));
	CHECK(strstr(unit_log(), "blocked:     nothing"));
	CHECK(strstr(unit_log(), "ms in the driver"));
	CHECK_EQ(sh("virtio-mem x"), -EINVAL);
	host_gets(0);
	vmt_done();
}

/* ---- beside the virtio-balloon --------------------------------------------- */

/* Both drivers, until virtio-mem rests or has retried for a while. */
static void both_run(void)
{
	for (int i = 0; i < 20; i++) {
		vt_run();
		vmt_run(50);
		if (!virtio_mem_get()->work.queued)
			return;
	}
}

TEST(virtio_mem_beside_the_balloon)
{
	vmt_boot(VMT_QEMU_FEATURES);
	sim_virtio_init(VT_QEMU_FEATURES); /* resets the core: both drivers again */
	CHECK_EQ(sim_virtio_add(), 0);
	CHECK_EQ(sim_vmem_add(), 0);
	host_gets(2 * SECTION_SIZE);
	/* The balloon takes most of the guest: some from virtio-mem's blocks. */
	sim_virtio_set_num_pages((u32)(mmt_stats().free - 8192));
	both_run();
	CHECK(vt_ballooned() > 0);
	vmt_check();
	sim_vmem_set_requested(0);
	both_run();
	vmt_check();
	/* Ballooned pages are in use for virtio-mem: they hold it up. */
	CHECK(vm()->nr_plugged > 0);
	CHECK(strstr(vm()->blocked, "balloon"));
	sim_virtio_set_num_pages(0);
	both_run();
	CHECK_EQ(vt_ballooned(), 0);
	CHECK_EQ(vm()->nr_plugged, 0);
	vmt_check();
	vt_check();
	vmt_done();
}
