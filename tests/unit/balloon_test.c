/* Helpers shared by the balloon tests: see balloon_test.h. */
#include "unit.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include <ballast/mm.h>

u64 bt_now;
static u32 held = PFN_NONE;
static unsigned long nheld;
static u64 base_alloc; /* pages allocated at boot (page tables...) */
static u64 base_pgtable; /* page-table pages from the buddy at boot */

void bt_boot(u64 headroom)
{
	mmt_boot();
	sim_hv_init(HOST_EXTRA, headroom);
	bt_now = 1000 * SEC;
	held = PFN_NONE;
	nheld = 0;
	struct mm_stats m = mmt_stats();

	base_alloc = m.managed - m.free;
	base_pgtable = m.pgtable;
}

void bt_use_backend(const struct balloon_backend *be)
{
	balloon_unregister_backend();
	CHECK_EQ(balloon_register_backend(be), 0);
}

u64 bt_run(unsigned long *steps)
{
	for (unsigned long n = 0; n < 1000000; n++) {
		u64 d = balloon_work(bt_now);

		if (steps)
			*steps = n + 1;
		if (d != BALLOON_AGAIN)
			return d;
	}
	unit_fail(__FILE__, __LINE__, "balloon_work never settles");
}

struct balloon_stats bt_stats(void)
{
	struct balloon_stats st;

	balloon_get_stats(&st);
	return st;
}

void bt_check(void)
{
	struct balloon_stats b = bt_stats();
	struct mm_stats m = mmt_stats();

	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(balloon_check_consistency(), 0);
	sim_hv_check();
	CHECK_EQ(m.page_offline, b.ballooned);
	CHECK_EQ(b.current, m.present - b.ballooned);
	/* What the host backs is what the guest has, plus a constant. */
	CHECK_EQ(sim.backed, b.current);
	CHECK_EQ(sim.pod, b.pending);
	if (b.host_limit)
		CHECK_EQ(b.host_current - b.current, HOST_EXTRA);
	else
		CHECK_EQ(b.host_current + b.host_max, 0);
	/* Hot-added blocks may need page tables (given back on remove). */
	CHECK_EQ(m.managed - m.free, base_alloc + nheld + m.pgtable - base_pgtable);
}

unsigned long bt_hold(unsigned long n)
{
	unsigned long got = 0;
	struct page *p;

	while (got < n && (p = alloc_page())) {
		p->private = held;
		held = (u32)page_to_pfn(p);
		got++;
	}
	nheld += got;
	return got;
}

void bt_release(void)
{
	while (held != PFN_NONE) {
		struct page *p = pfn_to_page(held);

		held = (u32)p->private;
		p->private = 0;
		free_page(p);
	}
	nheld = 0;
}

unsigned long bt_offline_run(unsigned long n, bool pod)
{
	struct page *p = alloc_pages(10); /* 4 MiB: room for an aligned 2 MiB */
	unsigned long pfn = page_to_pfn(p);

	CHECK(p && n <= 1024);
	split_page(p, 10);
	for (unsigned long i = 0; i < 1024; i++) {
		if (i < n)
			set_page_offline(&p[i], false);
		else
			free_page(&p[i]);
	}
	if (pod)
		sim_hv_make_pod(pfn, n);
	else
		sim_hv_unback(pfn, n);
	return pfn;
}
