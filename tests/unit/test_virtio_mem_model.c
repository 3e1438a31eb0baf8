/*
 * Randomized model test of the virtio-mem driver over the simulated device:
 * random requested sizes, guest allocations held and released (some land
 * in virtio-mem's blocks and hold unplug up), device faults (NACK, BUSY,
 * ERROR, requests kept without an answer and answered later, slow answers,
 * requested_size changing inside a request), blocks offlined and onlined
 * as chmem does, and the clock jumping, on a fake clock.
 *
 * After every step: the driver's counts agree with the device's (plugged
 * size, requests sent and seen, answers + timeouts = requests), and what
 * the guest holds is what mm counts as allocated. Every FULL_EVERY steps
 * the whole check (vmt_check): device map == driver map, every plugged
 * sub-block's pages in mm, every unplugged one's PageOffline (or its block
 * absent), block states as mm has them, mm consistent. The end: all
 * released, requested 0, and mm exactly as after the probe.
 */
#include "unit.h"
#include "model.h"
#include "sim_virtio_mem.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/virtio_mem.h>

#define STEPS_PER_SEED 5000
#define NSEEDS 4
#define FULL_EVERY 500

static struct mm_stats boot_stats;
static u64 base_alloc;

static const struct virtio_mem *vm(void)
{
	return virtio_mem_get();
}

static u64 allocated(void)
{
	struct mm_stats m = mmt_stats();

	return m.managed - m.free - m.pgtable;
}

static void boot(void)
{
	vmt_boot(VMT_QEMU_FEATURES);
	/* Poisoning on seed 1 only: it writes (faults in) every page each
	 * plug frees, 30 s a seed in the simulator. */
	page_poisoning = model.seed == 1;
	if (sim_vmem_add())
		MFAIL("probe failed: %s", unit_log());
	vmt_run(0);
	boot_stats = mmt_stats();
	base_alloc = allocated();
	model_held_reset();
}

static u64 random_size(void)
{
	switch (model_below(8)) {
	case 0:
		return 0;
	case 1:
		return VMT_SIZE;
	default:
		return model_below(VMT_SIZE / VMT_BS + 1) * VMT_BS;
	}
}

static void op_target(void)
{
	sim_vmem_set_requested(random_size());
}

/* One worker run when it is due; now and then the clock jumps to it. */
static void op_work(void)
{
	virtio_poll();
	if (!vm()->work.queued)
		return;
	if (vm()->work.deadline > sim_clock_now && model_below(3) == 0)
		sim_clock_now = vm()->work.deadline;
	run_deferred();
}

static void op_alloc(void)
{
	static const u8 orders[] = { 0, 0, 0, 1, 3, 9 };

	model_held_alloc(orders, sizeof(orders));
}

static void op_fault(void)
{
	switch (model_below(8)) {
	case 0:
		svm.nack_next = (unsigned int)model_below(3);
		break;
	case 1:
		svm.busy_next = (unsigned int)model_below(3);
		break;
	case 2:
		svm.error_next = 1;
		break;
	case 3:
		if (model_below(4) == 0)
			svm.keep_next = 1;
		break;
	case 4:
		svm.delay_polls = (unsigned int)model_below(20);
		break;
	case 5:
		svm.change_mid = true;
		svm.change_to = random_size();
		break;
	default:
		sim_vmem_release(1); /* a late answer, and its interrupt */
		virtio_poll();
		break;
	}
}

/* A user's chmem -d / -e on a present block of the region. */
static void op_chmem(void)
{
	unsigned long b = (unsigned long)model_below(vm()->nr_blocks);
	unsigned long nr = vm()->first_block + b;

	if (vm()->blk[b] == VM_BLK_ONLINE)
		offline_memory_block(nr); /* may be busy: then nothing changes */
	else if (vm()->blk[b] == VM_BLK_OFFLINE)
		CHECK_EQ(online_memory_block(nr), 0);
}

static void op_clock(void)
{
	sim_clock_now += model_below(40 * NSEC_PER_SEC);
}

static void check_counters(void)
{
	u64 sent = 0, answered = 0;

	for (unsigned int t = 0; t < 4; t++) {
		if (!svm.work_pending)
			MCHECK_EQ(vm()->c.sent[t], svm.reqs[t]);
		sent += vm()->c.sent[t];
		answered += vm()->c.resp[t];
	}
	MCHECK_EQ(sent, answered + vm()->c.timeouts);
	if (!vm()->nr_unknown && !vm()->unplug_all) {
		MCHECK_EQ(vm()->nr_plugged, vmt_dev_plugged());
		MCHECK_EQ((u64)vm()->nr_plugged * VMT_BS, svm.cfg.plugged_size);
	}
	MCHECK(vm()->nr_plugged + vm()->nr_unknown <= vm()->nr_blocks * vm()->sb_per_block);
	MCHECK_EQ(allocated(), base_alloc + model_held.pages);
}

static void check_pages(void)
{
	if (mm_check_consistency())
		MFAIL("consistency check failed: %s", unit_log());
	vmt_check();
}

static const struct model_op ops[] = {
	{ op_alloc, 0, 150, 0, 0 },
	{ model_held_free, 1, 300, 4096, 420 },
	{ op_work, 2, 850, 0, 0 },
	{ op_fault, 3, 900, 0, 0 },
	{ op_target, 4, 940, 0, 0 },
	{ op_chmem, 5, 960, 0, 0 },
	{ op_clock, 6, 1000, 0, 0 },
};

static void finish(void)
{
	svm.nack_next = svm.busy_next = svm.error_next = svm.keep_next = 0;
	svm.change_mid = false;
	sim_vmem_release(SIM_VMEM_KEPT_MAX);
	while (model_held.n)
		model_held_free();
	sim_vmem_set_requested(0);
	vmt_run(100000);
	check_pages();
	MCHECK_EQ(vm()->nr_plugged, 0);
	MCHECK_EQ(svm.cfg.plugged_size, 0);
	struct mm_stats now = mmt_stats();

	MCHECK_EQ(now.present, boot_stats.present);
	MCHECK_EQ(now.free, boot_stats.free);
	MCHECK_EQ(now.managed, boot_stats.managed);
	MCHECK_EQ(now.page_offline, boot_stats.page_offline);
	MCHECK_EQ(now.nr_sections_present, boot_stats.nr_sections_present);
}

static void summary(void)
{
	const struct vm_counters *c = &vm()->c;
	const u64 *n = model.nops;

	printf("    virtio-mem model seed %lu: %d steps (alloc %llu free %llu work "
	       "%llu fault %llu target %llu chmem %llu clock %llu); requests "
	       "%llu plug %llu unplug %llu unplug-all %llu state; %llu NACK "
	       "%llu BUSY %llu ERROR %llu timeouts; %llu blocks added %llu "
	       "removed\n", model.seed, STEPS_PER_SEED,
	       (unsigned long long)n[0], (unsigned long long)n[1],
	       (unsigned long long)n[2], (unsigned long long)n[3],
	       (unsigned long long)n[4], (unsigned long long)n[5],
	       (unsigned long long)n[6],
	       (unsigned long long)c->sent[0], (unsigned long long)c->sent[1],
	       (unsigned long long)c->sent[2], (unsigned long long)c->sent[3],
	       (unsigned long long)c->resp[1], (unsigned long long)c->resp[2],
	       (unsigned long long)c->resp[3], (unsigned long long)c->timeouts,
	       (unsigned long long)c->blocks_added,
	       (unsigned long long)c->blocks_removed);
	vmt_done();
}

TEST(virtio_mem_model_random)
{
	model_run(&(struct model_def){
		.name = "virtio-mem model", .env = "VIRTIO_MEM_MODEL_SEED",
		.nseeds = NSEEDS, .steps = STEPS_PER_SEED,
		.full_every = FULL_EVERY,
		.rng_mul = 0x2545f4914f6cdd1dULL, .rng_add = 11,
		.npfn = SIM_VIRTIO_NPFN,
		.ops = ops, .nops = ARRAY_SIZE(ops),
		.boot = boot, .check_counters = check_counters,
		.check_pages = check_pages, .finish = finish,
		.summary = summary,
	});
}
