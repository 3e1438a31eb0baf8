/* Memory hotplug: add / online / offline / remove, bad input, unwinding. */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <stdlib.h>

TEST(mm_hotplug_add_online_offline_remove)
{
	mmt_boot();
	struct mm_stats a = mmt_stats();

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	struct mm_stats b = mmt_stats();
	struct section_info si;

	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_EQ(si.state, SECTION_OFFLINE);
	CHECK_EQ(si.memmap_src, MEMMAP_BUDDY);
	CHECK_EQ(b.present, a.present + NPS);
	CHECK_EQ(b.offline, NPS);
	CHECK_EQ(b.memmap, a.memmap + section_memmap_pages());
	CHECK_EQ(b.free, a.free - section_memmap_pages());
	CHECK(PageOffline(pfn_to_page(B2PFN)));
	CHECK_EQ(mm_check_consistency(), 0);

	CHECK_EQ(online_pages(B2PFN, NPS), 0);
	struct mm_stats c = mmt_stats();

	CHECK_EQ(c.managed, a.managed + NPS);
	CHECK_EQ(c.free, b.free + NPS);
	CHECK_EQ(c.offline, 0);
	CHECK_EQ(c.nr_sections_online, 3);
	CHECK(PageFree(pfn_to_page(B2PFN + 7)));
	CHECK_EQ(mm_check_consistency(), 0);
	/* the new memory is usable */
	struct page *p = mmt_alloc_in_block(2);

	CHECK(p);
	memset(page_address(p), 0x11, PAGE_SIZE);
	free_page(p);

	CHECK_EQ(offline_pages(B2PFN, NPS), 0);
	struct mm_stats d = mmt_stats();

	CHECK_STATS_EQ(d, b);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	struct mm_stats e = mmt_stats();

	CHECK_EQ(e.free, a.free);
	CHECK_EQ(e.present, a.present);
	CHECK_EQ(e.memmap, a.memmap);
	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_EQ(si.state, SECTION_ABSENT);
	CHECK_EQ(mm_check_consistency(), 0);
	/* and again: the same range can come back */
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_multi_block_range)
{
	mmt_boot();
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_pages(B2PFN, 2 * NPS), 0);
	CHECK_EQ(mmt_stats().nr_sections_online, 4);
	CHECK_EQ(offline_memory_block(3), 0);
	CHECK_EQ(remove_memory(B2, 2 * SECTION_SIZE), -EBUSY); /* block 2 online */
	CHECK(strstr(unit_log(), "memory block 2 is online"));
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(remove_memory(B2, 2 * SECTION_SIZE), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_memmap_on_memory)
{
	mmt_boot();
	struct mm_stats a = mmt_stats();
	unsigned long mp = section_memmap_pages();

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	struct mm_stats b = mmt_stats();
	struct section_info si;

	/* nothing of the existing memory was used */
	CHECK_EQ(b.free, a.free);
	CHECK_EQ(b.managed, a.managed);
	CHECK_EQ(b.memmap, a.memmap + mp);
	CHECK_EQ(b.memmap_on_memory, mp);
	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_EQ(si.memmap_src, MEMMAP_ON_MEMORY);
	CHECK_EQ(si.memmap_pfn, B2PFN);
	/* the memmap really lives in the first pages of the block */
	struct page *first = pfn_to_page(B2PFN);

	CHECK(PageReserved(first) && (first->flags & PG_vmemmap));
	CHECK(memcmp(first, phys_to_virt(B2), sizeof(*first)) == 0);
	CHECK(PageReserved(pfn_to_page(B2PFN + mp - 1)));
	CHECK(PageOffline(pfn_to_page(B2PFN + mp)));
	CHECK_EQ(mm_check_consistency(), 0);

	CHECK_EQ(online_memory_block(2), 0);
	struct mm_stats c = mmt_stats();

	CHECK_EQ(c.managed, a.managed + NPS - mp);
	CHECK_EQ(c.free, a.free + NPS - mp);
	CHECK_EQ(c.reserved, a.reserved + mp);
	CHECK(PageReserved(first));
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK(is_memory_block_removable(2));
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(mmt_stats().reserved, a.reserved);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	struct mm_stats d = mmt_stats();

	CHECK_EQ(d.memmap_on_memory, 0);
	CHECK_EQ(d.memmap, a.memmap);
	CHECK_EQ(d.free, a.free);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_memmap_on_memory_when_memory_is_full)
{
	mmt_boot();
	page_poisoning = false;
	u32 head = PFN_NONE;
	struct page *p;

	while ((p = alloc_page())) {
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	struct mm_stats a = mmt_stats();

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), -ENOMEM);
	CHECK(strstr(unit_log(), "no memory for the memmap"));
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(mmt_stats().free, NPS - section_memmap_pages());
	CHECK_EQ(mm_check_consistency(), 0);
	/* with the new block online, a buddy-memmap hot-add works again */
	CHECK_EQ(add_memory(3 * SECTION_SIZE, SECTION_SIZE, MHP_NONE), 0);
	struct section_info si;

	CHECK_EQ(mm_section_info(3, &si), 0);
	CHECK_EQ(pfn_to_section_nr(si.memmap_pfn), 2);
	/* block 2 now holds block 3's memmap: it cannot go offline */
	CHECK_EQ(offline_memory_block(2), -EBUSY);
	CHECK_EQ(remove_memory(3 * SECTION_SIZE, SECTION_SIZE), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		free_page(p);
	}
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_bad_input_changes_nothing)
{
	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	struct mm_stats a = mmt_stats();
	struct {
		phys_addr_t start;
		u64 size;
		unsigned flags;
		int err;
	} bad[] = {
		{ B2 + PAGE_SIZE, SECTION_SIZE, 0, -EINVAL },      /* unaligned start */
		{ 4 * SECTION_SIZE, SECTION_SIZE / 2, 0, -EINVAL },/* unaligned size */
		{ 4 * SECTION_SIZE, 0, 0, -EINVAL },               /* empty */
		{ SIM_MM_MAX_PHYS, SECTION_SIZE, 0, -ERANGE },       /* beyond max */
		{ SIM_MM_MAX_PHYS - SECTION_SIZE, 2 * SECTION_SIZE, 0, -ERANGE },
		{ 4 * SECTION_SIZE, 0ULL - 4 * SECTION_SIZE, 0, -ERANGE }, /* wraps */
		{ B2, SECTION_SIZE, 0, -EEXIST },                   /* present */
		{ SECTION_SIZE, SECTION_SIZE, 0, -EEXIST },         /* boot RAM */
		{ B2 - SECTION_SIZE, 3 * SECTION_SIZE, 0, -EEXIST },/* overlaps */
		{ 4 * SECTION_SIZE, SECTION_SIZE, 0x80, -EINVAL },  /* unknown flag */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_log_clear();
		CHECK_EQ(add_memory(bad[i].start, bad[i].size, bad[i].flags), bad[i].err);
		CHECK(strstr(unit_log(), "add_memory: "));
		struct mm_stats b = mmt_stats();

		CHECK_STATS_EQ(a, b);
	}
	/* the 3-block overlap must not have added block 3 */
	struct section_info si;

	CHECK_EQ(mm_section_info(3, &si), 0);
	CHECK_EQ(si.state, SECTION_ABSENT);
	CHECK_EQ(remove_memory(4 * SECTION_SIZE, SECTION_SIZE), -ENODEV);
	CHECK_EQ(remove_memory(B2 + PAGE_SIZE, SECTION_SIZE), -EINVAL);
	CHECK_EQ(online_pages(4 * NPS, NPS), -ENODEV);
	CHECK_EQ(online_pages(B2PFN + 1, NPS), -EINVAL);
	CHECK_EQ(online_pages(B2PFN, NPS / 2), -EINVAL);
	CHECK_EQ(offline_pages(B2PFN, NPS), -EBUSY);   /* it is offline */
	CHECK_EQ(online_pages(0, NPS), -EBUSY);        /* boot block is online */
	CHECK_EQ(online_memory_block(1000000), -ERANGE);
	CHECK_EQ(remove_memory(0, SECTION_SIZE), -EBUSY); /* online */
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_arch_failures_unwind)
{
	mmt_boot();
	struct mm_stats a = mmt_stats();

	sim_mm_fail_direct_map = 1;
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), -ENOMEM);
	sim_mm_fail_map_range = 2; /* the second block's memmap */
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_NONE), -ENOMEM);
	sim_mm_fail_map_range = 1;
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), -ENOMEM);
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_NONE), 0);
}

TEST(mm_offline_busy_page_fails_and_restores)
{
	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	struct page *p = mmt_alloc_in_block(2);

	CHECK(p);
	struct mm_stats a = mmt_stats();
	struct pstate *s = mmt_snap(B2PFN, NPS);
	char want[64];

	unit_log_clear();
	CHECK_EQ(offline_memory_block(2), -EBUSY);
	snprintf(want, sizeof(want), "pfn %#lx: page in use", page_to_pfn(p));
	CHECK(strstr(unit_log(), want));
	CHECK(mmt_same(s, B2PFN, NPS));
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK(!is_memory_block_removable(2));
	/* still allocatable afterwards: nothing stayed isolated */
	free_page(p);
	CHECK(mmt_alloc_in_block(2));
	free(s);
}

TEST(mm_offline_boot_block_with_reserved_pages_fails)
{
	mmt_boot();
	CHECK_EQ(offline_memory_block(0), -EBUSY);
	CHECK(strstr(unit_log(), "pfn 0x0: reserved page"));
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_offline_and_remove_boot_block)
{
	mmt_boot();
	struct mm_stats a = mmt_stats();

	/* block 1 is boot RAM without reservations; its memmap is in block 0 */
	CHECK_EQ(offline_memory_block(1), 0);
	CHECK_EQ(mmt_stats().managed, a.managed - NPS);
	CHECK_EQ(remove_memory(SECTION_SIZE, SECTION_SIZE), 0);
	struct mm_stats b = mmt_stats();

	CHECK_EQ(b.managed, a.managed - NPS + section_memmap_pages());
	CHECK_EQ(b.reserved, a.reserved - section_memmap_pages());
	CHECK_EQ(b.present, a.present - NPS);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(add_memory(SECTION_SIZE, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	CHECK_EQ(online_memory_block(1), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

/* Hold every free page; give back only [a, a+n) and [b, b+n). */
static u32 hold_all_but(unsigned long a, unsigned long b, unsigned long n)
{
	u32 head = PFN_NONE;
	struct page *p;

	while ((p = alloc_page())) {
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	u32 kept = PFN_NONE;

	while (head != PFN_NONE) {
		unsigned long pfn = head;

		p = pfn_to_page(pfn);
		head = (u32)p->private;
		if ((pfn >= a && pfn < a + n) || (pfn >= b && pfn < b + n)) {
			p->private = 0;
			free_page(p);
		} else {
			p->private = kept;
			kept = (u32)pfn;
		}
	}
	return kept;
}

TEST(mm_hotplug_memmap_from_chunks_when_no_block_is_big_enough)
{
	mmt_boot();
	page_poisoning = false;
	unsigned long half = section_memmap_pages() / 2;
	unsigned long a = NPS, b = NPS + 4 * half; /* not buddies of each other */
	u32 held = hold_all_but(a, b, half);
	struct mm_stats st = mmt_stats();
	struct section_info si;

	CHECK_EQ(st.free, 2 * half);
	CHECK_EQ(st.free_blocks[memmap_order()], 0);
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(mmt_stats().free, 0);
	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK(si.memmap_pfn == a || si.memmap_pfn == b);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	CHECK_EQ(mmt_stats().free, 2 * half);
	while (held != PFN_NONE) {
		struct page *p = pfn_to_page(held);

		held = (u32)p->private;
		p->private = 0;
		free_page(p);
	}
	CHECK_EQ(mm_check_consistency(), 0);
}
