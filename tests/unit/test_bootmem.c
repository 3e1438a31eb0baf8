/* The boot memory map: sorting, mem=, and the populated-pages clip. */
#include "unit.h"
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>

static void reset_map(void)
{
	memset(&boot_mem_map, 0, sizeof(boot_mem_map));
	boot_mem_map.mem_limit = ~0ULL;
	boot_mem_map.limit_reason = "mem=";
}

TEST(bootmem_sorted_and_limited)
{
	u64 s, e;

	reset_map();
	CHECK_EQ(bootmem_add_region(0x100000, 0x7f00000, E820_RAM), 0);
	CHECK_EQ(bootmem_add_region(0, 0x9fc00, E820_RAM), 0);
	CHECK_EQ(bootmem_add_region(0xf0000, 0x10000, E820_RESERVED), 0);
	CHECK(bootmem_ram_range(0, &s, &e));
	CHECK_EQ(s, 0);
	CHECK_EQ(e, 0x9f000); /* page aligned inward */
	bootmem_apply_limit(0x4000000);
	CHECK(bootmem_ram_range(1, &s, &e));
	CHECK_EQ(e, 0x4000000);
	CHECK_EQ(boot_mem_map.ignored_ram, 0x8000000 - 0x4000000);
	CHECK(!bootmem_ram_range(2, &s, &e));
	CHECK_EQ(bootmem_add_region(0, 0, E820_RAM), -EINVAL);
}

TEST(bootmem_limit_pages_counts_from_the_bottom)
{
	u64 s, e;

	reset_map();
	bootmem_add_region(0, 0xa0000, E820_RAM);		/* 160 pages */
	bootmem_add_region(0x100000, 0x7f00000, E820_RAM);	/* 32512 pages */
	bootmem_limit_pages(160 + 1000, "populate-on-demand");
	CHECK(bootmem_ram_range(1, &s, &e));
	CHECK_EQ(e, 0x100000 + 1000 * 4096);
	CHECK_STR(boot_mem_map.limit_reason, "populate-on-demand");
	/* A later mem= may only lower the limit further... */
	bootmem_limit_pages(1000000, "more than there is");
	CHECK_EQ(boot_mem_map.mem_limit, 0x100000 + 1000 * 4096);
}
