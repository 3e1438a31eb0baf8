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
 *
 * Free page reporting (seeds 5 and 6): a simulated device (sim_reporting.c),
 * virtio-like or Xen-like (reclaim), registered from the start; "report"
 * steps move the clock, run one pass of deferred work, answer a held
 * report (ok or not) or keep it, and pick how the device answers next
 * (at once, held, refused, NACKed; drains answered or not) and whether Xen
 * has memory for reclaims. Blocks out for a report stay free in the model
 * (they count as free) but cannot be allocated; under Xen a dropped 2 MiB
 * chunk needs a reclaim, and a reported and an unreported half of a 4 MiB
 * block stay apart. Every step also checks that no dropped chunk is
 * anywhere but in a reported free block or out for a report.
 *
 * The order-0 cache (mm/pcp.c): the model follows its size exactly and
 * the pfns of its newest pages, those freed (order 0) since it last lost
 * track (a refill, a drain): an order-0 allocation must hand out the
 * newest known one (LIFO), a free into a full cache drops the oldest
 * PCP_BATCH, and a drain empties it (a failed larger allocation, the
 * reporter's pass, drain_all_pages every DRAIN_EVERY steps) or takes a
 * block's pages out of it (offline, alloc_pages_at). Every step checks its
 * size, every full check that the known pages and no others are cached.
 */
#include "unit.h"
#include "model.h"
#include "sim_mm.h"
#include "sim_platform.h"
#include "sim_reporting.h"
#include <ballast/timer.h>
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
#define DRAIN_EVERY 1009

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
/* A buddy memmap's chunks (one, or pieces when memory is fragmented). */
static struct { u32 pfn; u8 order; } chunk[NBLOCKS][128];
static unsigned nchunk[NBLOCKS];
static u64 npieces;
static bool veto_online, veto_offline;
static u64 nops[16], nok[16];
static int reporting;        /* 0: none, 1: virtio-like, 2: Xen-like */
static struct sim_rep msr;
static u64 nrep[8];          /* report steps, answered, refused, ... */
/* The order-0 cache: mcount pages, the newest nknown of them known. */
static u32 known[PCP_HIGH];
static unsigned nknown, mcount;
static u64 npcp[4];          /* LIFO hits, overflows, refills, drains seen */

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

/* ---- the order-0 cache ------------------------------------------------- */

static u64 pcp_now(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st.pcp;
}

/* After something that moves the cache in ways the model does not follow. */
static void pcp_relearn(void)
{
	mcount = (unsigned)pcp_now();
	nknown = 0;
}

/* An order-0 free went to the cache (no section is isolated in here). */
static void pcp_freed(unsigned long pfn)
{
	if (mcount == PCP_HIGH) { /* the oldest PCP_BATCH go to the buddy */
		unsigned unknown = mcount - nknown;

		if (unknown < PCP_BATCH) {
			unsigned drop = PCP_BATCH - unknown;

			memmove(known, known + drop, (nknown - drop) * sizeof(known[0]));
			nknown -= drop;
		}
		mcount -= PCP_BATCH;
		npcp[1]++;
	}
	known[nknown++] = (u32)pfn;
	mcount++;
}

/* alloc_pages(0) gave pfn: the newest cached page, or a refill's. */
static void pcp_allocated(unsigned long pfn)
{
	if (!mcount) { /* refilled (or the buddy's own path): lost track */
		pcp_relearn();
		MCHECK(mcount < PCP_BATCH);
		npcp[2]++;
		return;
	}
	if (nknown) {
		if (known[nknown - 1] != pfn)
			MFAIL("alloc_pages(0) gave %#lx, the newest cached page is %#x",
			      pfn, known[nknown - 1]);
		nknown--;
		npcp[0]++;
	}
	mcount--;
}

/* After something that drains all of the cache or none of it. */
static void pcp_all_or_none(void)
{
	u64 n = pcp_now();

	if (n == mcount)
		return;
	MCHECK_EQ(n, 0);
	mcount = nknown = 0;
	npcp[3]++;
}

/* After something that may take [pfn, end)'s pages out of the cache. */
static void pcp_range_drained(unsigned long pfn, unsigned long end)
{
	unsigned k = 0;

	for (unsigned i = 0; i < nknown; i++)
		if ((known[i] < pfn || known[i] >= end) ||
		    PagePcp(pfn_to_page(known[i])))
			known[k++] = known[i];
	nknown = k;
	mcount = (unsigned)pcp_now();
	MCHECK(nknown <= mcount);
}

/* The known pages are cached, and as many pages as the cache says. */
static void check_pcp(void)
{
	u64 n = 0;

	for (unsigned i = 0; i < nknown; i++)
		if (!PagePcp(pfn_to_page(known[i])))
			MFAIL("pfn %#x should be in the order-0 cache, is %s", known[i],
			      page_type_name(pfn_to_page(known[i])));
	for (int b = 0; b < NBLOCKS; b++)
		for (unsigned long pfn = b * NPS; bst[b] && pfn < (b + 1) * NPS; pfn++)
			n += PagePcp(pfn_to_page(pfn));
	MCHECK_EQ(n, mcount);
}

static void op_drain(void)
{
	drain_all_pages();
	MCHECK_EQ(pcp_now(), 0);
	for (unsigned i = 0; i < nknown; i++)
		MCHECK(PageFree(pfn_to_page(known[i])) && !PagePcp(pfn_to_page(known[i])));
	mcount = nknown = 0;
	npcp[3]++;
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
	MCHECK_EQ(st.pcp, mcount);
	MCHECK(nknown <= mcount && mcount <= PCP_HIGH);
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
		ok = PageFree(p) || PageReporting(p);
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
	check_pcp();
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

static bool out_for_report(unsigned long pfn, unsigned long n)
{
	for (unsigned int i = 0; i < msr.nheld; i++) {
		unsigned long b = msr.held[i].pfn, e = b + (1UL << msr.held[i].order);

		if (b < pfn + n && pfn < e)
			return true;
	}
	return false;
}

/*
 * With reporting, whether the allocator can hand out the free block at pfn:
 * not out for a report; under Xen a dropped chunk takes a reclaim, and a
 * 4 MiB block with one half dropped and one not is two blocks still.
 */
static bool reporting_allows(unsigned long pfn, unsigned order)
{
	unsigned long n = 1UL << order;

	if (!reporting)
		return true;
	if (out_for_report(pfn, n))
		return false;
	if (reporting == 1)
		return true;
	bool lo = sim_rep_dropped(pfn), hi = sim_rep_dropped(pfn + n - 1);

	if (lo != hi)
		return false;
	return !lo || !msr.fail_reclaims;
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
				if (k == n && reporting_allows(pfn, order))
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

	if (order)
		pcp_all_or_none(); /* a failed try drains the cache */
	if (!p) {
		if (model_can_alloc(order))
			MFAIL("alloc_pages(%u) failed but the model has a free block", order);
		return NULL;
	}
	unsigned long pfn = page_to_pfn(p);

	if (!order)
		pcp_allocated(pfn);

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
	if (n == 1)
		pcp_freed(pfn);
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
	/* Xen has memory for reclaims here: else the memmap's allocation
	 * would fail at random. */
	msr.fail_reclaims = 0;
	int ret = add_memory((phys_addr_t)b * SECTION_SIZE, SECTION_SIZE,
			     onmem ? MHP_MEMMAP_ON_MEMORY : 0);

	/* The memmap's allocation: it may drain the cache, or (in pieces,
	 * Xen short of memory) pop from it and free pieces back on failure. */
	pcp_relearn();

	if (bst[b] != SECTION_ABSENT) {
		MCHECK_EQ(ret, -EEXIST);
		return;
	}
	/* No free block for the memmap: pieces, or none. */
	bool pieces = !onmem && !model_can_alloc(memmap_order());

	if (pieces && ret == -ENOMEM)
		return;
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
		unsigned long pages = 0;

		nchunk[b] = 0;
		for (u32 c = (u32)si.memmap_pfn; c != PFN_NONE;
		     c = (u32)pfn_to_page(c)->private) {
			unsigned long n = 1UL << pfn_to_page(c)->order;

			MCHECK(nchunk[b] < 128);
			chunk[b][nchunk[b]].pfn = c;
			chunk[b][nchunk[b]++].order = pfn_to_page(c)->order;
			for (unsigned long k = 0; k < n; k++) {
				MCHECK_EQ(mst[c + k], M_FREE);
				set_state(c + k, M_ALLOC);
			}
			pages += n;
		}
		MCHECK_EQ(pages, section_memmap_pages());
		/* One block when there is one, pieces only when not. */
		MCHECK(pieces ? nchunk[b] > 1 : nchunk[b] == 1);
		npieces += pieces;
	}
}

static void op_remove(int b)
{
	int ret = remove_memory((phys_addr_t)b * SECTION_SIZE, SECTION_SIZE);

	bool small = false; /* a memmap piece of order 0: into the cache */

	for (unsigned i = 0; bsrc[b] == MEMMAP_BUDDY && i < nchunk[b]; i++)
		small |= chunk[b][i].order == 0;
	if (small && ret == 0)
		pcp_relearn();
	MCHECK_EQ(pcp_now(), mcount);
	if (bst[b] != SECTION_OFFLINE) {
		MCHECK_EQ(ret, bst[b] == SECTION_ABSENT ? -ENODEV : -EBUSY);
		return;
	}
	MCHECK_EQ(ret, 0);
	nok[7]++;
	for (unsigned i = 0; bsrc[b] == MEMMAP_BUDDY && i < nchunk[b]; i++) {
		for (unsigned long k = 0; k < 1UL << chunk[b][i].order; k++) {
			set_state(chunk[b][i].pfn + k, M_FREE);
			check_page(chunk[b][i].pfn + k);
		}
	}
	for (unsigned long k = 0; bsrc[b] == MEMMAP_BOOT &&
				  k < section_memmap_pages(); k++) {
		set_state(bmem[b] + k, M_FREE);
		check_page(bmem[b] + k);
	}
	for (unsigned long pfn = b * NPS; pfn < (b + 1) * NPS; pfn++)
		set_state(pfn, M_ABSENT);
	bst[b] = SECTION_ABSENT;
	bpresent[b] = 0;
}

static void op_online(int b)
{
	veto_online = rn(20) == 0;
	/* Every other step without the hook: generic_online_page's own
	 * one-pass path (online_page.c), the driver adopting what it left. */
	bool generic = model.step & 1;

	if (generic)
		CHECK_EQ(restore_online_page_callback(model_hook), 0);
	int ret = online_memory_block(b);

	if (generic)
		CHECK_EQ(set_online_page_callback(model_hook), 0);

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
			if (generic) /* no draw: the walk stays as it was */
				bal_add(pfn, F_SKIP | ((pfn & 1) ? F_AGREE : 0));
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
	bool stuck = out_for_report(base, NPS) && !msr.drain_answers;
	int ret = offline_memory_block(b);

	pcp_range_drained(base, base + NPS);
	/* Isolated (whatever came after): none of b's pages is cached. */
	for (unsigned i = 0; bst[b] == SECTION_ONLINE && !stuck && i < nknown; i++)
		MCHECK(known[i] / NPS != (unsigned)b);

	if (bst[b] != SECTION_ONLINE) {
		MCHECK_EQ(ret, bst[b] == SECTION_ABSENT ? -ENODEV : -EBUSY);
		return;
	}
	if (stuck) { /* the device would not give its report back */
		MCHECK_EQ(ret, -EBUSY);
		MCHECK(strstr(unit_log(), "free page report"));
		nrep[6]++;
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
	if (reporting == 2 && msr.fail_reclaims) {
		bool dropped = false;

		for (unsigned long pfn = base; pfn < base + NPS; pfn += 1UL << REPORTING_ORDER)
			dropped |= sim_rep_dropped(pfn);
		if (dropped) { /* its reported blocks cannot be backed again */
			MCHECK_EQ(ret, -ENOMEM);
			nrep[7]++;
			return;
		}
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

/* The clock moves, one pass of deferred work; the device's next answers. */
static void op_report(void)
{
	static const enum sim_rep_mode modes[] = {
		SIM_REP_ACK, SIM_REP_ACK, SIM_REP_ACK, SIM_REP_ACK, SIM_REP_ACK,
		SIM_REP_HOLD, SIM_REP_HOLD, SIM_REP_HOLD, SIM_REP_REFUSE, SIM_REP_NACK,
	};
	unsigned r = rn(10);

	nrep[0]++;
	if (msr.nheld && r < 5) {
		sim_rep_answer(&msr, r < 4);
		nrep[r < 4 ? 1 : 2]++;
	}
	msr.mode = modes[rn(10)];
	msr.drain_answers = rn(10) != 0;
	if (reporting == 2)
		msr.fail_reclaims = rn(8) == 0 ? ~0UL : 0;
	sim_clock_now += rn(3) ? rn(100) * NSEC_PER_MSEC :
				 rn(3000) * NSEC_PER_MSEC;
	run_deferred();
	pcp_all_or_none(); /* a pass of the reporter drains it */
}

/*
 * alloc_pages_at of a 2 MiB block, often one out for a report: it waits
 * for the report (drain) and succeeds, unless the device would not give
 * it back, or (Xen) the block needs a reclaim Xen has no memory for.
 */
static void op_alloc_at(void)
{
	unsigned long n = 1UL << REPORTING_ORDER, pfn;
	int b = (int)rn(NBLOCKS);

	if (msr.nheld && rn(2))
		pfn = msr.held[rn(msr.nheld)].pfn;
	else
		pfn = b * NPS + rn(NPS / n) * n;
	b = (int)(pfn / NPS);
	bool all_free = bst[b] == SECTION_ONLINE, out = out_for_report(pfn, n);

	for (unsigned long k = 0; k < n && all_free; k++)
		all_free = mst[pfn + k] == M_FREE;
	bool want = all_free && (!out || msr.drain_answers);

	if (want && reporting == 2 && msr.fail_reclaims)
		want = !out && !sim_rep_dropped(pfn);
	struct page *p = bst[b] == SECTION_ABSENT ? NULL : alloc_pages_at(pfn, REPORTING_ORDER);

	pcp_range_drained(pfn, pfn + n);

	if (!!p != want)
		MFAIL("alloc_pages_at(%#lx, 9): %s, the model says %s (free %d out %d)",
		      pfn, p ? "a block" : "NULL", want ? "yes" : "no", all_free, out);
	nrep[out ? 3 : 4]++;
	if (!p)
		return;
	for (unsigned long k = 0; k < n; k++)
		set_state(pfn + k, M_ALLOC);
	*(u64 *)page_address(p) = tag(pfn);
	held[nheld].pfn = (u32)pfn;
	held[nheld].order = REPORTING_ORDER;
	nheld++;
}

static void check_reporting(void)
{
	struct page_reporting_stats st;

	if (!reporting)
		return;
	page_reporting_get_stats(&st);
	MCHECK(st.active);
	MCHECK(st.reported_now + st.out_now <= cnt[M_FREE]);
	unsigned long out = 0;

	for (unsigned int i = 0; i < msr.nheld; i++)
		out += 1UL << msr.held[i].order;
	MCHECK_EQ(st.out_now, out);
	const char *why = sim_rep_check();

	if (*why)
		MFAIL("%s", why);
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

static void run(unsigned long s, unsigned long ops, bool poison, unsigned hot_per_10k,
		int with_reporting)
{
	reporting = with_reporting;
	model_start("mm model", s, s * 0x9E3779B97F4A7C15ULL + 1);
	model.op = "boot";
	sim_mm_boot_default();
	sim_mm_pgtables = false; /* page tables are not part of the model */
	page_poisoning = poison;
	CHECK_EQ(set_online_page_callback(model_hook), 0);
	CHECK_EQ(register_memory_notifier(&driver_block), 0);
	CHECK_EQ(register_memory_notifier(&veto_block), 0);
	sim_platform_reset();
	if (reporting) {
		sim_rep_init(&msr, 1 + rn(REPORTING_CAPACITY_MAX), reporting == 2);
		CHECK_EQ(page_reporting_register(&msr.dev), 0);
	} else {
		memset(&msr, 0, sizeof(msr));
	}
	model_init();
	pcp_relearn();
	full_check();
	u64 target = cnt[M_FREE] / 2; /* keep about half the memory busy */

	for (model.step = 1; model.step <= ops; model.step++) {
		unsigned r = rn(10000);

		if (reporting && r >= 9700) {
			model.op = "report";
			op_report();
		} else if (reporting && r >= 9600) {
			model.op = "alloc_at";
			op_alloc_at();
		} else if (r < hot_per_10k) {
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
		if (model.step % DRAIN_EVERY == 0) { /* no draw: the walk stays */
			model.op = "drain";
			op_drain();
		}
		check_counters();
		check_reporting();
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
	if (reporting) {
		model.op = "unregister";
		msr.fail_reclaims = 0;
		msr.drain_answers = true;
		page_reporting_unregister(&msr.dev);
		if (reporting == 2)
			MCHECK_EQ(sim_rep_dropped_pages(), 0);
		check_counters();
		full_check();
	}
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
	printf("    %s: order-0 cache: %llu LIFO hits, %llu overflows, %llu refills, %llu drains; "
	       "%llu memmaps in pieces\n",
	       name, (unsigned long long)npcp[0], (unsigned long long)npcp[1],
	       (unsigned long long)npcp[2], (unsigned long long)npcp[3],
	       (unsigned long long)npieces);
	npieces = 0;
	memset(nops, 0, sizeof(nops));
	memset(nok, 0, sizeof(nok));
	memset(npcp, 0, sizeof(npcp));
}

/* >= 1,000,000 operations in all, in four tests of 250,000. Poisoning would
 * fault in and fill every onlined block, so the hotplug-heavy runs go
 * without it and one run keeps it on with fewer hotplug operations. */
TEST(mm_model_seed1_hotplug_heavy)
{
	run(1, 250000, false, 100, 0);
	report("seed 1", 250000);
}

TEST(mm_model_seed2_hotplug_heavy)
{
	run(2, 250000, false, 100, 0);
	report("seed 2", 250000);
}

TEST(mm_model_seed3_alloc_heavy)
{
	run(3, 250000, false, 10, 0);
	report("seed 3", 250000);
}

TEST(mm_model_seed4_poisoned)
{
	run(4, 250000, true, 2, 0);
	report("seed 4", 250000);
}

static void report_reporting(const char *name)
{
	struct page_reporting_stats st;

	page_reporting_get_stats(&st);
	printf("    %s: %llu report steps, %llu answered ok, %llu NACKed by the test; "
	       "alloc_pages_at %llu on a block out, %llu other; "
	       "%llu offlines stuck on a held report, %llu on a failed reclaim\n",
	       name, (unsigned long long)nrep[0], (unsigned long long)nrep[1],
	       (unsigned long long)nrep[2], (unsigned long long)nrep[3],
	       (unsigned long long)nrep[4], (unsigned long long)nrep[6],
	       (unsigned long long)nrep[7]);
	printf("    %s: device: %lu reports, %lu blocks, %lu drains, %lu reclaims, %lu failed\n",
	       name, msr.reports, msr.blocks, msr.drains, msr.reclaims,
	       msr.reclaim_failed);
	memset(nrep, 0, sizeof(nrep));
}

/* Reporting to a virtio-like device (poisoning on: dropped blocks read as
 * zeros) and to a Xen-like one (reclaims, failing ones too). */
TEST(mm_model_seed5_reporting_virtio)
{
	run(5, 120000, true, 20, 1);
	report("seed 5", 120000);
	report_reporting("seed 5");
}

TEST(mm_model_seed6_reporting_xen)
{
	run(6, 120000, false, 60, 2);
	report("seed 6", 120000);
	report_reporting("seed 6");
}
