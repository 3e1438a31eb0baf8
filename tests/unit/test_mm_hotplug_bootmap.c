/*
 * Hot-add follows the boot memory map: a re-added boot block keeps its holes
 * and firmware ranges, a range with no RAM behind it is refused, and
 * MHP_BACKED (the balloon's path) adds everything.
 */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>

#define B1 SECTION_SIZE
#define B1PFN ((unsigned long)PFN_DOWN(B1))
/* Block 1: RAM up to 9/16 of it, then a 128 KiB firmware range, then RAM
 * to 3/4; nothing behind the last quarter (like MEM=200M or 512M). */
#define RAM1_END (B1 + SECTION_SIZE / 16 * 9)
#define FW_END (RAM1_END + (128 << 10))
#define RAM_END (B1 + SECTION_SIZE / 4 * 3)

static void boot_with_holes(void)
{
	sim_mm_reset();
	bootmem_add_region(0, 640 << 10, E820_RAM);
	bootmem_add_region(1 << 20, RAM1_END - (1 << 20), E820_RAM);
	bootmem_add_region(RAM1_END, FW_END - RAM1_END, E820_ACPI);
	bootmem_add_region(FW_END, RAM_END - FW_END, E820_RAM);
	bootmem_reserve(1 << 20, 2 << 20, "kernel");
	sim_mm_start();
	page_poisoning = true;
}

TEST(mm_hotplug_readd_boot_block_keeps_holes)
{
	boot_with_holes();
	struct mm_stats boot = mmt_stats();

	CHECK_EQ(offline_memory_block(1), 0);
	CHECK_EQ(remove_memory(B1, SECTION_SIZE), 0);
	CHECK_EQ(add_memory(B1, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(1), 0);
	CHECK_EQ(mm_check_consistency(), 0);
	struct mm_stats after = mmt_stats();

	CHECK_EQ(after.present, boot.present);
	/* managed grows by the boot memmap, now an allocation like any other */
	CHECK_EQ(after.free, boot.free);
	const struct page *fw = pfn_to_page(PFN_DOWN(RAM1_END));
	const struct page *past = pfn_to_page(PFN_DOWN(RAM_END));

	CHECK(PageReserved(fw) && (fw->flags & PG_hole));
	CHECK(PageReserved(past) && (past->flags & PG_hole));
	CHECK(!PageReserved(pfn_to_page(PFN_DOWN(FW_END))));
	/* every free page can be allocated and written: none is a hole */
	struct page *p;
	u32 head = PFN_NONE;

	while ((p = alloc_page())) {
		memset(page_address(p), 0xa5, PAGE_SIZE);
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		p->private = 0;
		free_page(p);
	}
	CHECK_EQ(mmt_stats().free, boot.free);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_readd_frees_boot_memmap_accounting)
{
	boot_with_holes();
	struct mm_stats boot = mmt_stats();

	CHECK_EQ(offline_memory_block(1), 0);
	CHECK_EQ(remove_memory(B1, SECTION_SIZE), 0);
	CHECK_EQ(mmt_stats().boot_alloc, boot.boot_alloc - section_memmap_pages());
}

TEST(mm_hotplug_add_without_ram_is_refused)
{
	mmt_boot();
	/* mmt_boot's map has RAM to SIM_MM_MAX_PHYS: cut it at 3 blocks */
	boot_mem_map.r[boot_mem_map.nr - 1].size = SECTION_SIZE;
	struct mm_stats a = mmt_stats();

	CHECK_EQ(add_memory(3 * SECTION_SIZE, SECTION_SIZE, MHP_NONE), -ENXIO);
	CHECK(strstr(unit_log(), "has no RAM behind it"));
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), -ENXIO);
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);
	/* a driver that backed the range itself gets all of it */
	CHECK_EQ(add_memory(3 * SECTION_SIZE, SECTION_SIZE,
			    MHP_BACKED | MHP_MEMMAP_ON_MEMORY), 0);
	CHECK_EQ(mmt_stats().present, a.present + NPS);
	CHECK_EQ(remove_memory(3 * SECTION_SIZE, SECTION_SIZE), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_memmap_on_memory_needs_ram_at_block_start)
{
	sim_mm_reset();
	bootmem_add_region(0, 2 * SECTION_SIZE, E820_RAM);
	bootmem_add_region(B2 + (1 << 20), SECTION_SIZE - (1 << 20), E820_RAM);
	bootmem_apply_limit(B2);
	bootmem_reserve(1 << 20, 2 << 20, "kernel");
	sim_mm_start();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), -ENXIO);
	CHECK(strstr(unit_log(), "does not start with"));
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(mmt_stats().present, PFN_DOWN(3 * SECTION_SIZE - (1 << 20)));
	CHECK_EQ(mm_check_consistency(), 0);
}
