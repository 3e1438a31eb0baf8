/*
 * Randomized model test of the balloon core over the virtio-balloon backend
 * and the simulated device: random host targets (near, anywhere, 0, far
 * beyond the guest), guest allocations and frees, and device faults (NACKs,
 * elements kept without an answer and answered later, slow answers, short
 * writes of actual, the target changing inside an element), on a fake clock.
 *
 * After every step: mm's PageOffline count is the balloon's, `actual` is
 * the balloon's, the device holds every ballooned page except those of an
 * inflate it has not answered, and what the guest holds is what mm counts
 * as allocated. Every FULL_EVERY steps, with nothing kept by the device,
 * each page: the balloon's iff the device holds it, and mm's and the
 * balloon's consistency checks. The sim fails the test on a double inflate,
 * a deflate of a page it does not hold, and a touch of a page it holds.
 */
#include "unit.h"
#include "model.h"
#include "virtio_test.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/mm.h>
#include <ballast/virtio_balloon.h>
#include <linux/virtio_ring.h>

#define STEPS_PER_SEED 250000
#define NSEEDS 4
#define FULL_EVERY 4096
#define RAM_END (48 * MiB)

static u64 base_alloc, ram;
static u32 num_pages;

static void boot(void)
{
	/* MUST_TELL_HOST on half the seeds */
	struct mm_stats m = vt_model_boot(RAM_END, VT_QEMU_FEATURES |
					  (model.seed & 2 ? 1ULL << 0 : 0), NULL);

	base_alloc = m.managed - m.free;
	ram = m.present;
	model_held_reset();
	num_pages = 0;
}

static void op_alloc(void)
{
	static const u8 orders[] = { 0, 0, 0, 1, 2, 3 };

	model_held_alloc(orders, sizeof(orders));
}

static u32 random_num_pages(void)
{
	switch (model_below(16)) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffU;
	case 2:
	case 3:
		return (u32)model_below(ram + 2048);
	default: /* mostly nearby */
		return (u32)MIN((u64)num_pages + model_below(2048), ram + 1024 + 1024) -
		       (u32)MIN((u64)num_pages, 1024);
	}
}

static void op_target(void)
{
	num_pages = random_num_pages();
	sim_virtio_set_num_pages(num_pages);
}

static void op_fault(void)
{
	switch (model_below(7)) {
	case 0:
		svd.nack_next = (unsigned int)model_below(3);
		break;
	case 1:
		if (model_rnd() % 4 == 0)
			svd.keep_next = 1;
		break;
	case 2:
		svd.delay_polls = (unsigned int)model_below(4);
		break;
	case 3:
		svd.short_writes = 1;
		break;
	case 4:
		svd.change_mid = true;
		svd.change_to = num_pages = random_num_pages();
		break;
	case 5:
		sim_virtio_release(1); /* a late answer, and its interrupt */
		virtio_poll();
		break;
	default:
		sim_virtio_release_stats();
		break;
	}
}

/* Inflate elements the device has not answered: their pfns (the driver's
 * one buffer while it waits). */
static u64 kept_inflate_pfns(void)
{
	u64 n = 0;

	for (unsigned int i = 0; i < svd.nkept; i++)
		if (svd.kept[i].q == 0) {
			struct vring_desc *d = sim_mm_frame(svd.q[0].desc);

			n += d[svd.kept[i].head].len / 4;
		}
	return n;
}

static bool kept_balloon_elements(void)
{
	for (unsigned int i = 0; i < svd.nkept; i++)
		if (svd.kept[i].q < 2)
			return true;
	return false;
}

static void check_counters(void)
{
	struct mm_stats m = mmt_stats();
	u64 b = vt_ballooned();

	MCHECK_EQ(m.page_offline, b);
	MCHECK_EQ(sim_virtio_actual(), b);
	MCHECK_EQ(svd.nr_host + kept_inflate_pfns() +
		  virtio_balloon_counters()->owed, b);
	MCHECK_EQ(m.managed - m.free, base_alloc + model_held.pages);
}

static void check_pages(void)
{
	if (kept_balloon_elements() || virtio_balloon_counters()->owed)
		return;
	if (mm_check_consistency() || balloon_check_consistency())
		MFAIL("consistency check failed: %s", unit_log());
	vt_check();
}

static void op_clock(void)
{
	sim_clock_now += model_below(4000000000ULL);
}

static const struct model_op ops[] = {
	{ op_alloc, 0, 250, 0, 0 },
	{ model_held_free, 1, 450, 2048, 550 },
	{ vt_model_work, 2, 800, 0, 0 },
	{ virtio_poll, 3, 880, 0, 0 },
	{ op_fault, 4, 910, 0, 0 },
	{ op_target, 5, 920, 0, 0 },
	{ op_clock, 6, 1000, 0, 0 },
};

static void finish(void)
{
	sim_virtio_release(SIM_KEPT_MAX);
	virtio_poll();
	check_counters();
	check_pages();
}

static void summary(void)
{
	const struct vb_counters *c = virtio_balloon_counters();
	const u64 *nops = model.nops;

	printf("    virtio model seed %lu: %d steps (alloc %llu free %llu "
	       "work %llu poll %llu fault %llu target %llu clock %llu); "
	       "%llu elements, %llu pfns, %llu timeouts, %llu late, "
	       "%llu refused\n", model.seed, STEPS_PER_SEED,
	       (unsigned long long)nops[0], (unsigned long long)nops[1],
	       (unsigned long long)nops[2], (unsigned long long)nops[3],
	       (unsigned long long)nops[4], (unsigned long long)nops[5],
	       (unsigned long long)nops[6],
	       (unsigned long long)c->elements,
	       (unsigned long long)c->pfns_sent,
	       (unsigned long long)c->timeouts,
	       (unsigned long long)c->late,
	       (unsigned long long)c->refused);
}

TEST(virtio_balloon_model_random)
{
	model_run(&(struct model_def){
		.name = "virtio model", .env = "VIRTIO_MODEL_SEED",
		.nseeds = NSEEDS, .steps = STEPS_PER_SEED,
		.full_every = FULL_EVERY,
		.rng_mul = 0x9e3779b97f4a7c15ULL, .rng_add = 7,
		.npfn = SIM_VIRTIO_NPFN,
		.ops = ops, .nops = ARRAY_SIZE(ops),
		.boot = boot, .check_counters = check_counters,
		.check_pages = check_pages, .finish = finish,
		.summary = summary,
	});
}
