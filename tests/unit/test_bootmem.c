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

TEST(bootmem_offline_beyond_counts_from_the_bottom)
{
	u64 s, e;

	reset_map();
	bootmem_add_region(0, 0xa0000, E820_RAM);		/* 160 pages */
	bootmem_add_region(0x100000, 0x7f00000, E820_RAM);	/* 32512 pages */
	bootmem_add_region(0x100000000ULL, 0x100000, E820_RAM); /* 256 pages */
	CHECK_EQ(bootmem_offline_beyond(160 + 1000, "populate-on-demand"), 0);
	CHECK(bootmem_offline_range(0, &s, &e));
	CHECK_EQ(s, 0x100000 + 1000 * 4096);
	CHECK_EQ(e, 0x8000000);
	CHECK(bootmem_offline_range(1, &s, &e));
	CHECK_EQ(s, 0x100000000ULL);
	CHECK_EQ(e, 0x100100000ULL);
	CHECK(!bootmem_offline_range(2, &s, &e));
	/* The map itself is unchanged: all RAM still usable RAM. */
	CHECK(bootmem_ram_range(1, &s, &e));
	CHECK_EQ(e, 0x8000000);
	reset_map();
	bootmem_add_region(0, 0xa0000, E820_RAM);
	CHECK_EQ(bootmem_offline_beyond(1000000, "more than there is"), 0);
	CHECK(!bootmem_offline_range(0, &s, &e));
}
