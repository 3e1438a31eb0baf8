/*
 * Randomized model test of free page reporting over virtio-balloon: mm's
 * reporter, the balloon core and the virtio backend on the simulated
 * device with its reporting queue, a fake clock, guest allocations of
 * every order (2 and 4 MiB ones touched page by page), contiguous
 * allocations (alloc_pages_at: the drain), host targets, and device faults
 * on both sides (balloon NACKs, kept and slow elements; reports refused,
 * held, answered in the middle of a drain's wait, answered late).
 *
 * After every step: what the guest holds is what mm counts as not free
 * (out for a report counts as free: back soon), the device holds no more
 * than mm counts as out (the rest it answered, and the guest has not taken
 * the answer yet), the balloon's count is mm's PageOffline count. Every
 * FULL_EVERY steps with nothing kept, once the answers are taken: mm's
 * and the balloon's consistency checks, every page (vt_check), nothing
 * out, and mm's reported total is what the host took. The sim fails the
 * test on any touch of a range a held report covers.
 */
#include "unit.h"
#include "model.h"
#include "virtio_test.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/mm.h>
#include <ballast/page_reporting.h>
#include <ballast/timer.h>
#include <ballast/virtio_balloon.h>

#define STEPS_PER_SEED 30000
#define NSEEDS 4
#define FULL_EVERY 2048
#define RAM_END (96 * MiB)

static u64 base_alloc, ram;
static u32 num_pages;

static struct page_reporting_stats prs(void)
{
	struct page_reporting_stats st;

	page_reporting_get_stats(&st);
	return st;
}

static void reporting_queue(void)
{
	sim_virtio_reporting(model.seed & 1);
}

static void boot(void)
{
	struct mm_stats m = vt_model_boot(RAM_END, VT_QEMU_FEATURES,
					  reporting_queue);

	if (!prs().active)
		MFAIL("reporting not started: %s", unit_log());
	base_alloc = m.managed - m.free;
	ram = m.present;
	model_held_reset();
	num_pages = 0;
}

static void op_alloc(void)
{
	static const u8 orders[] = { 0, 0, 0, 1, 3, 9, 9, 10 };

	model_held_alloc(orders, sizeof(orders));
}

/* A 2 MiB block at a random place, touched page by page, given back: a
 * block out for a report must be drained first, never handed out. */
static void op_alloc_at(void)
{
	unsigned long pfn = (unsigned long)model_below(PFN_DOWN(RAM_END)) &
			    ~((1UL << REPORTING_ORDER) - 1);
	struct page *p = alloc_pages_at(pfn, REPORTING_ORDER);

	if (!p)
		return;
	for (unsigned long i = 0; i < 1UL << REPORTING_ORDER; i++)
		*(volatile u64 *)page_address(p + i) = pfn + i;
	free_pages(p, REPORTING_ORDER);
	model.nops[8]++;
}

/* Touch what the guest holds of 2 MiB and up (reported memory reused). */
static void op_touch(void)
{
	struct held_set *h = &model_held;

	if (!h->n)
		return;
	struct held_blk b = h->blk[model_below(h->n)];

	for (unsigned long i = 0; i < 1UL << b.order; i += 64)
		*(volatile u64 *)page_address(pfn_to_page(b.pfn + i)) = i;
}

static u32 random_num_pages(void)
{
	switch (model_below(8)) {
	case 0:
		return 0;
	case 1:
		return (u32)model_below(ram / 2);
	default:
		return (u32)MIN((u64)num_pages + model_below(2048), ram / 2) -
		       (u32)MIN((u64)num_pages, 1024);
	}
}

static void op_fault(void)
{
	switch (model_below(8)) {
	case 0:
		svd.report_nack_next = (unsigned int)model_below(3);
		break;
	case 1:
		svd.report_keep_next = 1;
		break;
	case 2:
		svd.report_release_polls = (unsigned int)model_below(1500);
		break;
	case 3:
		sim_virtio_release_report(1);
		virtio_poll();
		break;
	case 4:
		svd.nack_next = (unsigned int)model_below(2);
		break;
	case 5:
		if (model_rnd() % 4 == 0)
			svd.keep_next = 1;
		break;
	case 6:
		sim_virtio_release(1);
		virtio_poll();
		break;
	default:
		svd.delay_polls = (unsigned int)model_below(4);
		break;
	}
}

static bool kept_any(void)
{
	for (unsigned int i = 0; i < svd.nkept; i++)
		if (svd.kept[i].q != 2)
			return true;
	return false;
}

static void check_counters(void)
{
	struct mm_stats m = mmt_stats();
	struct page_reporting_stats st = prs();
	unsigned long held = sim_virtio_report_held_pages();

	MCHECK_EQ(m.page_offline, vt_ballooned());
	/* mm counts pages out for a report as free (back soon). */
	MCHECK_EQ(m.managed - m.free, base_alloc + model_held.pages);
	MCHECK(held <= st.out_now);
}

static void check_pages(void)
{
	if (kept_any() || virtio_balloon_counters()->owed || svd.work_pending)
		return;
	virtio_poll(); /* the answers the guest has not taken yet */
	if (mm_check_consistency() || balloon_check_consistency())
		MFAIL("consistency check failed: %s", unit_log());
	vt_check();
	MCHECK_EQ(prs().out_now, 0);
	MCHECK_EQ(prs().reported_total, svd.reported_pages);
}

static void op_target(void)
{
	sim_virtio_set_num_pages(num_pages = random_num_pages());
}

static void op_clock(void)
{
	sim_clock_now += model_below(600 * NSEC_PER_MSEC);
	run_deferred();
}

static const struct model_op ops[] = {
	{ op_alloc, 0, 200, 0, 0 },
	{ model_held_free, 1, 380, 4096, 500 },
	{ vt_model_work, 2, 600, 0, 0 },
	{ virtio_poll, 3, 700, 0, 0 },
	{ op_fault, 4, 760, 0, 0 },
	{ op_target, 5, 770, 0, 0 },
	{ op_alloc_at, -1, 800, 0, 0 }, /* counts nops[8] when it allocates */
	{ op_touch, -1, 830, 0, 0 },
	{ op_clock, 6, 1000, 0, 0 },
};

static void finish(void)
{
	svd.report_keep_next = svd.report_nack_next = 0;
	svd.delay_polls = 0;
	sim_virtio_release(SIM_KEPT_MAX);
	sim_virtio_release_report(SIM_KEPT_MAX);
	virtio_poll();
	check_counters();
	check_pages();
}

static void summary(void)
{
	const struct vb_report_counters *c = virtio_balloon_report_counters();
	struct page_reporting_stats st = prs();
	const u64 *nops = model.nops;

	printf("    virtio report model seed %lu: %d steps (alloc %llu free %llu "
	       "work %llu poll %llu fault %llu target %llu clock %llu at %llu); "
	       "%llu reports, %llu blocks, %llu refused, %llu drains "
	       "(%llu timed out, %llu late), %llu pages reported\n", model.seed,
	       STEPS_PER_SEED,
	       (unsigned long long)nops[0], (unsigned long long)nops[1],
	       (unsigned long long)nops[2], (unsigned long long)nops[3],
	       (unsigned long long)nops[4], (unsigned long long)nops[5],
	       (unsigned long long)nops[6], (unsigned long long)nops[8],
	       (unsigned long long)c->reports,
	       (unsigned long long)c->blocks,
	       (unsigned long long)c->refused,
	       (unsigned long long)c->drains,
	       (unsigned long long)c->drain_timeouts,
	       (unsigned long long)c->late,
	       (unsigned long long)st.reported_total);
}

TEST(virtio_report_model_random)
{
	model_run(&(struct model_def){
		.name = "virtio report model",
		.env = "VIRTIO_REPORT_MODEL_SEED",
		.nseeds = NSEEDS, .steps = STEPS_PER_SEED,
		.full_every = FULL_EVERY,
		.rng_mul = 0x2545f4914f6cdd1dULL, .rng_add = 3,
		.npfn = SIM_VIRTIO_NPFN,
		.ops = ops, .nops = ARRAY_SIZE(ops),
		.boot = boot, .check_counters = check_counters,
		.check_pages = check_pages, .finish = finish,
		.summary = summary,
	});
}
