/*
 * Boot RAM the platform has not backed (bootmem_set_offline): mm_init gives
 * it a memmap, makes every page PageOffline with one reference for the
 * driver that will take it over, and never touches the memory itself (the
 * host stand-in leaves it unmapped, so a touch would fault).
 */
#include <ballast/boot_mem_map.h>
#include <ballast/mm.h>
#include "sim_mm.h"
#include "unit.h"

/* Section 1's upper half is "not backed", as a PV guest's pfns past nr_pages. */
#define OFF_START (SECTION_SIZE + SECTION_SIZE / 2)
#define OFF_SIZE (SECTION_SIZE / 2)

static void boot_with_offline(void)
{
	sim_mm_reset();
	bootmem_add_region(0, 640 << 10, E820_RAM);
	bootmem_add_region(1 << 20, 2 * SECTION_SIZE - (1 << 20), E820_RAM);
	bootmem_reserve(1 << 20, 2 << 20, "kernel");
	CHECK_EQ(bootmem_set_offline(OFF_START, OFF_SIZE, "not backed"), 0);
	sim_mm_start();
}

TEST(boot_offline_pages_are_page_offline_and_untouched)
{
	struct mm_stats st;
	u64 s, e;

	boot_with_offline();
	mm_get_stats(&st);
	CHECK_EQ(st.page_offline, OFF_SIZE >> PAGE_SHIFT);
	CHECK_EQ(st.online, st.managed + st.page_offline + st.reserved);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK(bootmem_offline_range(0, &s, &e));
	CHECK_EQ(s, OFF_START);
	CHECK_EQ(e, OFF_START + OFF_SIZE);
	for (unsigned long pfn = PFN_DOWN(s); pfn < PFN_DOWN(e); pfn++) {
		const struct page *p = pfn_to_page(pfn);

		CHECK(PageOffline(p));
		CHECK_EQ(page_count(p), 1);
	}
	CHECK(!bootmem_offline_range(1, &s, &e));
}

TEST(boot_offline_memory_is_never_allocated)
{
	struct page *p;
	unsigned long n = 0;

	boot_with_offline();
	/* Drain the allocator: nothing may come from the offline half. */
	while ((p = alloc_page())) {
		CHECK(page_to_phys(p) < OFF_START ||
		      page_to_phys(p) >= OFF_START + OFF_SIZE);
		n++;
	}
	CHECK(n > 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(boot_offline_page_freed_by_its_driver_becomes_memory)
{
	struct mm_stats a, b;
	struct page *p = pfn_to_page(PFN_DOWN(OFF_START));

	boot_with_offline();
	mm_get_stats(&a);
	/* What a balloon does once it backed the frame: hand it over. */
	sim_mm_direct_map_page(OFF_START);
	free_offline_page(p);
	mm_get_stats(&b);
	CHECK_EQ(b.page_offline, a.page_offline - 1);
	CHECK_EQ(b.free, a.free + 1);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(boot_offline_bad_ranges_refused)
{
	sim_mm_reset();
	CHECK(bootmem_set_offline(0, 0, "x") < 0);
	CHECK(bootmem_set_offline(~0ULL - 10, 100, "x") < 0);
}
