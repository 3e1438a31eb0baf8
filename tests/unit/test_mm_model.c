/*
 * Randomized model test: long sequences of alloc / free / get+put /
 * balloon / deflate / add / online / offline / remove against a simple
 * reference model (one state byte per pfn, plain counters, no buddy logic).
 *
 * After EVERY step a cheap check compares every mm counter with the model
 * and the pages the step touched with what the model expects. Every
 * FULL_EVERY steps (and at the end) a full walk runs mm_check_consistency()
 * (free lists, per-page state, counters) and compares the state of every
 * present pfn with the model. A mismatch prints the seed and the step.
 *
 * Predictions: an allocation must succeed iff the model has a naturally
 * aligned, fully free block of that order in an online block (the buddy
 * allocator keeps free memory fully merged, so that is exact). Offlining
 * must succeed iff no notifier vetoes and every page is free, a hole, its
 * own memmap, or a PageOffline page that is skippable or whose owner agrees
 * to drop its reference; on failure the lowest busy pfn is named.
 */
#include "unit.h"
#include "model.h"
#include "sim_mm.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <stdlib.h>

#define NBLOCKS 6           /* blocks 0,1 boot; 2..5 hot-pluggable */
#define NPFN (NBLOCKS * PAGES_PER_SECTION)
#define NPS PAGES_PER_SECTION
#define FULL_EVERY 4096

enum { M_ABSENT, M_HOLE, M_RESERVED, M_FREE, M_ALLOC, M_BALLOON, M_OFFLINE,
       M_OFFLINE_SKIP, M_VMEMMAP, M_NSTATES };
#define F_SKIP 1
#define F_AGREE 2

static u8 *mst, *mflag;
static u32 *bal_idx;
static u64 cnt[M_NSTATES];
static u32 *maxfree; /* free pages per MAX_ORDER block */
static struct held { u32 pfn; u8 order; } *held;
static unsigned nheld;
static u32 *bal;
static unsigned nbal;
static u8 bst[NBLOCKS], bsrc[NBLOCKS];
static u32 bmem[NBLOCKS], bpresent[NBLOCKS];
static bool veto_online, veto_offline;
static u64 nops[16], nok[16];

/* Its own generator (xorshift64*), not model_rnd: each seed walks as it
 * always has. */
static u64 rnd(void)
{
	model.rng ^= model.rng >> 12;
	model.rng ^= model.rng << 25;
	model.rng ^= model.rng >> 27;
	return model.rng * 0x2545F4914F6CDD1DULL;
}

static unsigned rn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void set_state(unsigned long pfn, u8 s)
{
	u8 old = mst[pfn];

	cnt[old]--;
	cnt[s]++;
	if (old == M_FREE)
		maxfree[pfn / MAX_ORDER_NR_PAGES]--;
	if (s == M_FREE)
		maxfree[pfn / MAX_ORDER_NR_PAGES]++;
	mst[pfn] = s;
}

static void bal_add(unsigned long pfn, u8 flags)
{
	bal_idx[pfn] = nbal;
	bal[nbal++] = (u32)pfn;
	mflag[pfn] = flags;
}

static void bal_del(unsigned long pfn)
{
	u32 i = bal_idx[pfn], last = bal[--nbal];

	bal[i] = last;
	bal_idx[last] = i;
	mflag[pfn] = 0;
}

/* ---- the "driver": online hook and memory notifiers -------------------- */

static void model_hook(struct page *page, unsigned int order)
{
	unsigned long n = 1UL << order;
	bool any = false;

	for (unsigned long i = 0; i < n; i++)
		any |= PageOfflineSkippable(page + i);
	if (!any) {
		generic_online_page(page, order);
		return;
	}
	for (unsigned long i = 0; i < n; i++) {
		if (PageOfflineSkippable(page + i)) /* ours: adopt it again */
			bal_add(page_to_pfn(page + i), F_SKIP | (rn(2) ? F_AGREE : 0));
		else
			generic_online_page(page + i, 0);
	}
}

static int driver_nb(struct notifier_block *nb, unsigned long action, void *data)
{
	struct memory_notify *arg = data;

	if (action != MEM_GOING_OFFLINE && action != MEM_CANCEL_OFFLINE)
		return NOTIFY_OK;
	for (unsigned i = 0; i < nbal; i++) {
		unsigned long pfn = bal[i];

		if (pfn < arg->start_pfn || pfn >= arg->start_pfn + arg->nr_pages ||
		    mflag[pfn] != F_AGREE)
			continue;
		if (action == MEM_GOING_OFFLINE)
			page_ref_dec(pfn_to_page(pfn));
		else
			page_ref_inc(pfn_to_page(pfn));
	}
	return NOTIFY_OK;
}

static int veto_nb(struct notifier_block *nb, unsigned long action, void *data)
{
	if ((action == MEM_GOING_ONLINE && veto_online) ||
	    (action == MEM_GOING_OFFLINE && veto_offline))
		return notifier_from_errno(-EAGAIN);
	return NOTIFY_OK;
}

static struct notifier_block driver_block = { .notifier_call = driver_nb, .priority = 10 };
static struct notifier_block veto_block = { .notifier_call = veto_nb, .priority = 0 };

/* ---- checks ------------------------------------------------------------ */

static void check_counters(void)
{
	struct mm_stats st;
	u64 online = 0, offline = 0, present = 0, vm_online = 0, memmap = 0, mom = 0;

	for (int b = 0; b < NBLOCKS; b++) {
		if (bst[b] == SECTION_ABSENT)
			continue;
		present += bpresent[b];
		memmap += section_memmap_pages();
		if (bsrc[b] == MEMMAP_ON_MEMORY)
			mom += section_memmap_pages();
		if (bst[b] == SECTION_ONLINE) {
			online += bpresent[b];
			if (bsrc[b] == MEMMAP_ON_MEMORY)
				vm_online += section_memmap_pages();
		} else {
			offline += bpresent[b];
		}
	}
	mm_get_stats(&st);
	MCHECK_EQ(st.free, cnt[M_FREE]);
	MCHECK_EQ(st.isolated_free, 0);
	MCHECK_EQ(st.managed, cnt[M_FREE] + cnt[M_ALLOC]);
	MCHECK_EQ(st.page_offline, cnt[M_BALLOON]);
	MCHECK_EQ(st.reserved, cnt[M_RESERVED] + vm_online);
	MCHECK_EQ(st.online, online);
	MCHECK_EQ(st.offline, offline);
	MCHECK_EQ(st.present, present);
	MCHECK_EQ(st.memmap, memmap);
	MCHECK_EQ(st.memmap_on_memory, mom);
}

static void check_page(unsigned long pfn)
{
	const struct page *p = pfn_to_page(pfn);
	bool ok;

	switch (mst[pfn]) {
	case M_HOLE:
		ok = p->type == PGTY_RESERVED && (p->flags & PG_hole);
		break;
	case M_RESERVED:
		ok = p->type == PGTY_RESERVED && !(p->flags & (PG_hole | PG_vmemmap));
		break;
	case M_VMEMMAP:
		ok = p->type == PGTY_RESERVED && (p->flags & PG_vmemmap);
		break;
	case M_FREE:
		ok = PageFree(p);
		break;
	case M_ALLOC:
		ok = PageAllocated(p);
		break;
	case M_BALLOON:
		ok = PageOffline(p) && !!(p->flags & PG_offline_skippable) ==
					       !!(mflag[pfn] & F_SKIP);
		break;
	case M_OFFLINE:
		ok = PageOffline(p) && !(p->flags & PG_offline_skippable) && !p->refcount;
		break;
	case M_OFFLINE_SKIP:
		ok = PageOffline(p) && (p->flags & PG_offline_skippable) && !p->refcount;
		break;
	default:
		ok = false;
	}
	if (!ok)
		MFAIL("pfn %#lx: model state %u, page %s flags %#x refcount %u", pfn,
		      mst[pfn], page_type_name(p), p->flags, p->refcount);
}

static void full_check(void)
{
	MCHECK_EQ(mm_check_consistency(), 0);
	for (int b = 0; b < NBLOCKS; b++) {
		struct section_info si;

		MCHECK_EQ(mm_section_info(b, &si), 0);
		MCHECK_EQ(si.state, bst[b]);
		if (bst[b] == SECTION_ABSENT)
			continue;
		for (unsigned long pfn = b * NPS; pfn < (b + 1) * NPS; pfn++)
			check_page(pfn);
	}
}

/* An aligned fully-free block of this order in an online block? */
static bool model_can_alloc(unsigned order)
{
	unsigned long n = 1UL << order;

	for (int b = 0; b < NBLOCKS; b++) {
		if (bst[b] != SECTION_ONLINE)
			continue;
		for (unsigned long m = b * NPS / MAX_ORDER_NR_PAGES;
		     m < (b + 1) * NPS / MAX_ORDER_NR_PAGES; m++) {
			if (maxfree[m] < n)
				continue;
			for (unsigned long pfn = m * MAX_ORDER_NR_PAGES;
			     pfn < (m + 1) * MAX_ORDER_NR_PAGES; pfn += n) {
				unsigned long k = 0;

				while (k < n && mst[pfn + k] == M_FREE)
					k++;
				if (k == n)
					return true;
			}
		}
	}
	return false;
}

/* ---- operations -------------------------------------------------------- */

static u64 tag(unsigned long pfn)
{
	return (pfn * 0x9e3779b97f4a7c15ULL) ^ model.seed;
}

static struct page *op_alloc(unsigned order, bool keep)
{
	struct page *p = alloc_pages(order);
	unsigned long n = 1UL << order;

	if (!p) {
		if (model_can_alloc(order))
			MFAIL("alloc_pages(%u) failed but the model has a free block", order);
		return NULL;
	}
	unsigned long pfn = page_to_pfn(p);

	MCHECK(pfn < NPFN && !(pfn & (n - 1)));
	MCHECK(bst[pfn / NPS] == SECTION_ONLINE);
	MCHECK_EQ(page_count(p), 1);
	for (unsigned long k = 0; k < n; k++) {
		if (mst[pfn + k] != M_FREE)
			MFAIL("alloc_pages(%u) gave pfn %#lx which the model has in state %u",
			      order, pfn + k, mst[pfn + k]);
		set_state(pfn + k, M_ALLOC);
		check_page(pfn + k);
	}
	*(u64 *)page_address(p) = tag(pfn);
	if (keep) {
		held[nheld].pfn = (u32)pfn;
		held[nheld].order = (u8)order;
		nheld++;
	}
	return p;
}

static void op_free(unsigned i)
{
	unsigned long pfn = held[i].pfn, n = 1UL << held[i].order;
	struct page *p = pfn_to_page(pfn);

	MCHECK_EQ(*(u64 *)page_address(p), tag(pfn));
	if (rn(8) == 0) { /* an extra reference first */
		get_page(p);
		put_page(p);
		MCHECK(PageAllocated(p));
	}
	put_page(p);
	for (unsigned long k = 0; k < n; k++) {
		set_state(pfn + k, M_FREE);
		check_page(pfn + k);
	}
	held[i] = held[--nheld];
}

static void op_balloon(void)
{
	struct page *p = op_alloc(0, false);

	if (!p)
		return;
	u8 f = (rn(2) ? F_SKIP : 0);

	if (!f && rn(2))
		f = F_AGREE;
	set_page_offline(p, f & F_SKIP);
	set_state(page_to_pfn(p), M_BALLOON);
	bal_add(page_to_pfn(p), f);
	check_page(page_to_pfn(p));
}

static void op_deflate(unsigned i)
{
	unsigned long pfn = bal[i];

	free_offline_page(pfn_to_page(pfn));
	bal_del(pfn);
	set_state(pfn, M_FREE);
	check_page(pfn);
}

static void op_add(int b)
{
	bool onmem = rn(2);
	unsigned long base = b * NPS;
	int ret = add_memory((phys_addr_t)b * SECTION_SIZE, SECTION_SIZE,
			     onmem ? MHP_MEMMAP_ON_MEMORY : 0);

	if (bst[b] != SECTION_ABSENT) {
		MCHECK_EQ(ret, -EEXIST);
		return;
	}
	if (!onmem && !model_can_alloc(memmap_order())) {
		MCHECK_EQ(ret, -ENOMEM);
		return;
	}
	MCHECK_EQ(ret, 0);
	nok[4]++;
	struct section_info si;

	MCHECK_EQ(mm_section_info(b, &si), 0);
	bst[b] = SECTION_OFFLINE;
	bsrc[b] = si.memmap_src;
	bmem[b] = (u32)si.memmap_pfn;
	bpresent[b] = NPS;
	for (unsigned long pfn = base; pfn < base + NPS; pfn++)
		set_state(pfn, M_OFFLINE);
	if (onmem) {
		MCHECK_EQ(si.memmap_src, MEMMAP_ON_MEMORY);
		for (unsigned long k = 0; k < section_memmap_pages(); k++)
			set_state(base + k, M_VMEMMAP);
	} else {
		MCHECK_EQ(si.memmap_src, MEMMAP_BUDDY);
		for (unsigned long k = 0; k < section_memmap_pages(); k++) {
			MCHECK_EQ(mst[si.memmap_pfn + k], M_FREE);
			set_state(si.memmap_pfn + k, M_ALLOC);
		}
	}
}

static void op_remove(int b)
{
	int ret = remove_memory((phys_addr_t)b * SECTION_SIZE, SECTION_SIZE);

	if (bst[b] != SECTION_OFFLINE) {
		MCHECK_EQ(ret, bst[b] == SECTION_ABSENT ? -ENODEV : -EBUSY);
		return;
	}
	MCHECK_EQ(ret, 0);
	nok[7]++;
	for (unsigned long k = 0; k < section_memmap_pages(); k++) {
		if (bsrc[b] == MEMMAP_BUDDY || bsrc[b] == MEMMAP_BOOT) {
			set_state(bmem[b] + k, M_FREE);
			check_page(bmem[b] + k);
		}
	}
	for (unsigned long pfn = b * NPS; pfn < (b + 1) * NPS; pfn++)
		set_state(pfn, M_ABSENT);
	bst[b] = SECTION_ABSENT;
	bpresent[b] = 0;
}

static void op_online(int b)
{
	veto_online = rn(20) == 0;
	int ret = online_memory_block(b);

	if (bst[b] != SECTION_OFFLINE) {
		MCHECK_EQ(ret, bst[b] == SECTION_ABSENT ? -ENODEV : -EBUSY);
		return;
	}
	if (veto_online) {
		MCHECK_EQ(ret, -EAGAIN);
		return;
	}
	MCHECK_EQ(ret, 0);
	nok[5]++;
	bst[b] = SECTION_ONLINE;
	for (unsigned long pfn = b * NPS; pfn < (b + 1) * NPS; pfn++) {
		if (mst[pfn] == M_OFFLINE)
			set_state(pfn, M_FREE);
		else if (mst[pfn] == M_OFFLINE_SKIP) {
			MCHECK(mflag[pfn] & F_SKIP); /* the hook adopted it */
			set_state(pfn, M_BALLOON);
		}
		check_page(pfn);
	}
}

static void op_offline(int b)
{
	unsigned long base = b * NPS;
	long busy = -1;
	char want[48];

	if (bst[b] == SECTION_ONLINE && rn(2)) {
		/* evacuate: the owners give up what they hold in the block */
		for (unsigned i = 0; i < nheld;) {
			if (held[i].pfn / NPS == (unsigned)b)
				op_free(i);
			else
				i++;
		}
		for (unsigned i = 0; i < nbal;) {
			if (bal[i] / NPS == (unsigned)b && mflag[bal[i]] == 0)
				op_deflate(i);
			else
				i++;
		}
	}
	veto_offline = rn(20) == 0;
	unit_log_clear();
	int ret = offline_memory_block(b);

	if (bst[b] != SECTION_ONLINE) {
		MCHECK_EQ(ret, bst[b] == SECTION_ABSENT ? -ENODEV : -EBUSY);
		return;
	}
	if (veto_offline) {
		MCHECK_EQ(ret, -EAGAIN);
		return;
	}
	for (unsigned long pfn = base; pfn < base + NPS && busy < 0; pfn++) {
		switch (mst[pfn]) {
		case M_ALLOC:
		case M_RESERVED:
			busy = (long)pfn;
			break;
		case M_BALLOON:
			if (!mflag[pfn])
				busy = (long)pfn;
			break;
		}
	}
	if (busy >= 0) {
		MCHECK_EQ(ret, -EBUSY);
		snprintf(want, sizeof(want), "pfn 0x%lx:", (unsigned long)busy);
		if (!strstr(unit_log(), want))
			MFAIL("offline -EBUSY without naming %s: %s", want, unit_log());
		return;
	}
	MCHECK_EQ(ret, 0);
	nok[6]++;
	bst[b] = SECTION_OFFLINE;
	for (unsigned long pfn = base; pfn < base + NPS; pfn++) {
		if (mst[pfn] == M_FREE) {
			set_state(pfn, M_OFFLINE);
		} else if (mst[pfn] == M_BALLOON) {
			bal_del(pfn);
			set_state(pfn, M_OFFLINE_SKIP);
		}
		check_page(pfn);
	}
}

/* ---- the run ----------------------------------------------------------- */

static void model_free(void);

static void model_init(void)
{
	model_free(); /* after a failed run */
	mst = calloc(NPFN, 1);
	mflag = calloc(NPFN, 1);
	bal_idx = calloc(NPFN, sizeof(*bal_idx));
	maxfree = calloc(NPFN / MAX_ORDER_NR_PAGES, sizeof(*maxfree));
	held = calloc(NPFN, sizeof(*held));
	bal = calloc(NPFN, sizeof(*bal));
	memset(cnt, 0, sizeof(cnt));
	cnt[M_ABSENT] = NPFN;
	nheld = nbal = 0;
	for (int b = 0; b < NBLOCKS; b++) {
		struct section_info si;

		CHECK_EQ(mm_section_info(b, &si), 0);
		bst[b] = si.state;
		bsrc[b] = si.memmap_src;
		bmem[b] = (u32)si.memmap_pfn;
		bpresent[b] = (u32)si.present;
		if (si.state == SECTION_ABSENT)
			continue;
		for (unsigned long pfn = b * NPS; pfn < (b + 1) * NPS; pfn++) {
			const struct page *p = pfn_to_page(pfn);

			if (PageFree(p))
				set_state(pfn, M_FREE);
			else if (p->flags & PG_hole)
				set_state(pfn, M_HOLE);
			else if (PageReserved(p))
				set_state(pfn, M_RESERVED);
			else
				CHECK(0);
		}
	}
}

static void model_free(void)
{
	free(mst);
	free(mflag);
	free(bal_idx);
	free(maxfree);
	free(held);
	free(bal);
	mst = mflag = NULL;
	bal_idx = maxfree = bal = NULL;
	held = NULL;
}

static void run(unsigned long s, unsigned long ops, bool poison, unsigned hot_per_10k)
{
	model_start("mm model", s, s * 0x9E3779B97F4A7C15ULL + 1);
	model.op = "boot";
	sim_mm_boot_default();
	sim_mm_pgtables = false; /* page tables are not part of the model */
	page_poisoning = poison;
	CHECK_EQ(set_online_page_callback(model_hook), 0);
	CHECK_EQ(register_memory_notifier(&driver_block), 0);
	CHECK_EQ(register_memory_notifier(&veto_block), 0);
	model_init();
	full_check();
	u64 target = cnt[M_FREE] / 2; /* keep about half the memory busy */

	for (model.step = 1; model.step <= ops; model.step++) {
		unsigned r = rn(10000);

		if (r < hot_per_10k) {
			int b = 1 + (int)rn(NBLOCKS - 1); /* block 0 only by chance below */
			unsigned k = rn(4);

			if (rn(50) == 0)
				b = 0;
			static const char *names[] = { "add", "online", "offline", "remove" };
			model.op = names[k];
			nops[4 + k]++;
			if (k == 0)
				op_add(b);
			else if (k == 1)
				op_online(b);
			else if (k == 2)
				op_offline(b);
			else
				op_remove(b);
		} else {
			u64 used = cnt[M_ALLOC];
			bool want_alloc = used < target ? rn(10) < 6 : rn(10) < 4;
			unsigned r2 = rn(100);

			if (r2 < 4) {
				model.op = "balloon";
				nops[2]++;
				op_balloon();
			} else if (r2 < 7 && nbal) {
				model.op = "deflate";
				nops[3]++;
				op_deflate(rn(nbal));
			} else if (want_alloc || !nheld) {
				unsigned o = rn(100);

				o = o < 70 ? 0 : o < 90 ? 1 + rn(3) : o < 98 ? 4 + rn(5) : 9 + rn(2);
				model.op = "alloc";
				nops[0]++;
				op_alloc(o, true);
			} else {
				model.op = "free";
				nops[1]++;
				op_free(rn(nheld));
			}
		}
		check_counters();
		if (model.step % FULL_EVERY == 0)
			full_check();
	}
	model.op = "end";
	full_check();
	/* give everything back: every free block merges again */
	while (nheld)
		op_free(nheld - 1);
	while (nbal)
		op_deflate(nbal - 1);
	check_counters();
	full_check();
	CHECK_EQ(restore_online_page_callback(model_hook), 0);
	CHECK_EQ(unregister_memory_notifier(&driver_block), 0);
	CHECK_EQ(unregister_memory_notifier(&veto_block), 0);
	model_free();
}

static void report(const char *name, unsigned long total)
{
	printf("    %s: %lu ops: alloc %llu free %llu balloon %llu deflate %llu; "
	       "succeeded/tried: add %llu/%llu online %llu/%llu offline %llu/%llu "
	       "remove %llu/%llu\n", name, total,
	       (unsigned long long)nops[0], (unsigned long long)nops[1],
	       (unsigned long long)nops[2], (unsigned long long)nops[3],
	       (unsigned long long)nok[4], (unsigned long long)nops[4],
	       (unsigned long long)nok[5], (unsigned long long)nops[5],
	       (unsigned long long)nok[6], (unsigned long long)nops[6],
	       (unsigned long long)nok[7], (unsigned long long)nops[7]);
	memset(nops, 0, sizeof(nops));
	memset(nok, 0, sizeof(nok));
}

/* >= 1,000,000 operations in all, in four tests of 250,000. Poisoning would
 * fault in and fill every onlined block, so the hotplug-heavy runs go
 * without it and one run keeps it on with fewer hotplug operations. */
TEST(mm_model_seed1_hotplug_heavy)
{
	run(1, 250000, false, 100);
	report("seed 1", 250000);
}

TEST(mm_model_seed2_hotplug_heavy)
{
	run(2, 250000, false, 100);
	report("seed 2", 250000);
}

TEST(mm_model_seed3_alloc_heavy)
{
	run(3, 250000, false, 10);
	report("seed 3", 250000);
}

TEST(mm_model_seed4_poisoned)
{
	run(4, 250000, true, 2);
	report("seed 4", 250000);
}
