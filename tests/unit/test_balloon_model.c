/*
 * Randomized model test of the balloon core + the simulated hypervisor +
 * mm: random targets, guest allocations and frees, pages adopted unbacked
 * or as PoD, and random faults (short counts anywhere, stops inside a 2 MiB
 * extent, order 9 refused either way, errors, the host's limit and pool
 * moving, the target changing inside a call), on a fake clock.
 *
 * After every step the three views agree: what the host backs is what the
 * guest has plus a constant, what mm counts as PageOffline is what the
 * balloon holds, what the guest holds is what mm counts as allocated, and
 * the host's totals match the balloon's. Every FULL_EVERY steps each page
 * is checked: allocated iff the guest holds it, PageOffline iff the balloon
 * owns it and the host does not back it, backed otherwise; plus mm's and
 * the balloon's own consistency checks. The sim fails the test on any
 * unscrubbed release, double populate or release of an unbacked frame, and
 * kills it when the guest touches a frame without backing.
 */
#include "unit.h"
#include "model.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include <ballast/boot_mem_map.h>
#include <ballast/mm.h>

#define STEPS_PER_SEED 250000
#define NSEEDS 4
#define FULL_EVERY 2048
#define RAM_END (64 * MiB)

static u64 base_alloc, adopted, now;

static bool section_present(unsigned long pfn)
{
	struct section_info si;

	return !mm_section_info(pfn_to_section_nr(pfn), &si) &&
	       si.state != SECTION_ABSENT;
}

static void boot(void)
{
	model_boot_mm(RAM_END);
	sim_hv_init(HOST_EXTRA, model_below(4096));
	struct mm_stats m = mmt_stats();

	base_alloc = m.managed - m.free;
	model_held_reset();
	adopted = 0;
	now = 0;
	/* What boot allocated (the balloon's block table): held, never freed. */
	for (unsigned long pfn = 0; pfn < PFN_DOWN(RAM_END); pfn++)
		if (section_present(pfn) && PageAllocated(pfn_to_page(pfn)))
			model_held.map[pfn] = 2;
}

static void op_alloc(void)
{
	static const u8 orders[] = { 0, 0, 0, 0, 1, 2, 3, 9 };

	model_held_alloc(orders, sizeof(orders));
}

/* Boot-style offline RAM: a fresh block, offline, the host told, adopted. */
static void op_adopt(void)
{
	unsigned int order = (unsigned int)model_below(4);
	struct page *p = alloc_pages(order);
	unsigned long pfn, n = 1UL << order;
	bool pod = model_rnd() & 1;

	if (!p)
		return;
	pfn = page_to_pfn(p);
	split_page(p, order);
	for (unsigned long i = 0; i < n; i++)
		set_page_offline(&p[i], false);
	if (pod)
		sim_hv_make_pod(pfn, n);
	else
		sim_hv_unback(pfn, n);
	if (balloon_adopt(pfn, n, pod ? BALLOON_ADOPT_POD : BALLOON_ADOPT_UNBACKED))
		MFAIL("adopt of %lu pages at %#lx refused", n, pfn);
	adopted += n;
}

static void new_target(void)
{
	struct mm_stats m = mmt_stats();
	u64 t = bt_stats().current + model_below(2048) - 1024; /* mostly nearby */

	if (model_rnd() % 8 == 0) /* now and then anywhere, even out of bounds */
		t = model_below(m.present + 2048);
	balloon_set_target(t);
}

static void op_fault(void)
{
	switch (model_below(8)) {
	case 0:
		sim.stop_after = (long)model_below(BALLOON_BATCH + 1);
		break;
	case 1:
		sim.fail_next = true;
		break;
	case 2:
		sim.refuse_huge_populate = !sim.refuse_huge_populate;
		break;
	case 3:
		sim.refuse_huge_decrease = !sim.refuse_huge_decrease;
		break;
	case 4:
		sim.max_pages = sim.tot_pages + model_below(8192) - 1024;
		break;
	case 5:
		sim.free_frames = model_rnd() & 1 ? ~0ULL : model_below(4096);
		break;
	default:
		if (model_rnd() % 4 == 0)
			sim.during = new_target;
		break;
	}
}

/* The counters of all three agree (every step). */
static void check_counters(void)
{
	struct balloon_stats b = bt_stats();
	struct mm_stats m = mmt_stats();

	MCHECK_EQ(m.page_offline, b.ballooned);
	MCHECK_EQ(sim.backed, b.current);
	MCHECK_EQ(sim.pod, b.pending);
	MCHECK_EQ(b.host_current - b.current, HOST_EXTRA);
	MCHECK_EQ(m.managed - m.free, base_alloc + model_held.pages);
	MCHECK_EQ(b.pages_up, sim.populated);
	MCHECK_EQ(b.pages_down, sim.released + sim.pod_released);
	MCHECK_EQ(b.ballooned, adopted + sim.released - sim.populated);
}

/* Every page: owned by exactly the one the model says (every FULL_EVERY). */
static void check_pages(void)
{
	u64 s, e;

	if (mm_check_consistency() || balloon_check_consistency())
		MFAIL("consistency check failed: %s", unit_log());
	sim_hv_check();
	for (int i = 0; bootmem_ram_range(i, &s, &e); i++) {
		for (unsigned long pfn = PFN_UP(s); pfn < PFN_DOWN(e); pfn++) {
			const struct page *p = pfn_to_page(pfn);
			bool off = PageOffline(p);

			if (!!model_held.map[pfn] != PageAllocated(p))
				MFAIL("pfn %#lx: %s, guest holds it: %d", pfn,
				      page_type_name(p), model_held.map[pfn]);
			if (off != (sim.frame[pfn] != SIM_BACKED) ||
			    (off && !balloon_owns_page(p)))
				MFAIL("pfn %#lx: %s, sim state %u", pfn,
				      page_type_name(p), sim.frame[pfn]);
		}
	}
}

static void op_work(void)
{
	model_balloon_work(&now);
}

static void op_clock(void)
{
	now += model_below(4 * SEC);
}

static const struct model_op ops[] = {
	{ op_alloc, 0, 300, 0, 0 },
	{ model_held_free, 1, 500, 8192, 620 },
	{ op_work, 2, 850, 0, 0 },
	{ op_fault, 3, 900, 0, 0 },
	{ new_target, 4, 903, 0, 0 },
	{ op_adopt, 5, 908, 0, 0 },
	{ op_clock, 6, 1000, 0, 0 },
};

static void summary(void)
{
	struct balloon_stats b = bt_stats();
	const u64 *nops = model.nops;

	printf("    balloon model seed %lu: %d steps (alloc %llu free %llu work %llu "
	       "fault %llu target %llu adopt %llu clock %llu); %llu calls, "
	       "up %llu down %llu pages, 2 MiB up %llu down %llu\n",
	       model.seed, STEPS_PER_SEED, (unsigned long long)nops[0],
	       (unsigned long long)nops[1], (unsigned long long)nops[2],
	       (unsigned long long)nops[3], (unsigned long long)nops[4],
	       (unsigned long long)nops[5], (unsigned long long)nops[6],
	       (unsigned long long)b.calls, (unsigned long long)b.pages_up,
	       (unsigned long long)b.pages_down,
	       (unsigned long long)b.huge_up, (unsigned long long)b.huge_down);
}

TEST(balloon_model_random)
{
	model_run(&(struct model_def){
		.name = "balloon model", .env = "BALLOON_MODEL_SEED",
		.nseeds = NSEEDS, .steps = STEPS_PER_SEED,
		.full_every = FULL_EVERY,
		.rng_mul = 0x9e3779b97f4a7c15ULL, .rng_add = 1,
		.npfn = SIM_NPFN, .held_map = true,
		.ops = ops, .nops = ARRAY_SIZE(ops),
		.boot = boot, .check_counters = check_counters,
		.check_pages = check_pages, .finish = check_pages,
		.summary = summary,
	});
}
