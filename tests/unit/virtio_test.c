/* Helpers shared by the virtio tests: see virtio_test.h. */
#include "unit.h"
#include "virtio_test.h"
#include "model.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/boot_mem_map.h>
#include <ballast/mm.h>

void vt_boot(u64 features)
{
	mmt_boot();
	sim_platform_reset();
	sim_clock_now = 1000000000ULL;
	sim_virtio_init(features);
}

void vt_boot_added(u64 features)
{
	vt_boot(features);
	CHECK_EQ(sim_virtio_add(), 0);
}

unsigned long vt_run(void)
{
	for (unsigned long n = 1; n < 1000000; n++) {
		u64 d;

		virtio_poll();
		d = balloon_work(sim_clock_now);
		if (!d)
			return n;
		if (d != BALLOON_AGAIN)
			sim_clock_now += d;
	}
	unit_fail(__FILE__, __LINE__, "the balloon never settles");
}

u64 vt_ballooned(void)
{
	struct balloon_stats st;

	balloon_get_stats(&st);
	return st.ballooned;
}

void vt_check(void)
{
	struct mm_stats m = mmt_stats();
	u64 b = vt_ballooned(), s, e;

	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(balloon_check_consistency(), 0);
	CHECK_EQ(m.page_offline, b);
	CHECK_EQ(sim_virtio_actual(), b);
	CHECK_EQ(svd.nr_host, b);
	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		for (unsigned long pfn = PFN_UP(s); pfn < PFN_DOWN(e); pfn++) {
			const struct page *p = pfn_to_page(pfn);
			bool mine = PageOffline(p) && balloon_owns_page(p);

			if (mine != sim_virtio_host_has(pfn))
				unit_fail(__FILE__, __LINE__,
					  "pfn %#lx: %s, balloon's %d, host has %d",
					  pfn, page_type_name(p), mine,
					  sim_virtio_host_has(pfn));
		}
}

struct mm_stats vt_model_boot(u64 ram_end, u64 features,
			      void (*before_add)(void))
{
	model_boot_mm(ram_end);
	sim_platform_reset();
	sim_clock_now = 1000000000ULL;
	sim_virtio_init(features);
	if (before_add)
		before_add();
	if (sim_virtio_add())
		MFAIL("probe failed: %s", unit_log());
	return mmt_stats();
}

void vt_model_work(void)
{
	model_balloon_work(&sim_clock_now);
}
