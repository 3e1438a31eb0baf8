/* Boot-time mm setup and the buddy allocator. */
#include "unit.h"
#include "sim_mm.h"
#include <ballast/boot_mem_map.h>
#include <ballast/mm.h>
#include <ballast/printk.h>

/* As mmt_stats: the order-0 cache given back, the buddy's whole picture. */
static struct mm_stats stats(void)
{
	struct mm_stats st;

	drain_all_pages();
	mm_get_stats(&st);
	return st;
}

TEST(mm_struct_page_is_16_bytes)
{
	BUILD_BUG_ON(sizeof(struct page) > 16);
	CHECK_EQ(sizeof(struct page), 16);
}

TEST(mm_boot_default_layout)
{
	sim_mm_boot_default();
	struct mm_stats st = stats();
	u64 ram = 2 * PAGES_PER_SECTION - 96; /* all of blocks 0-1 but [640K,1M) */

	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(st.present, ram);
	CHECK_EQ(st.online, ram);
	CHECK_EQ(st.offline, 0);
	CHECK_EQ(st.managed + st.reserved, ram);
	CHECK_EQ(st.free, st.managed);
	CHECK_EQ(st.memmap, 2 * section_memmap_pages());
	CHECK_EQ(st.nr_sections_online, 2);
	CHECK_EQ(mm_nr_sections(), SIM_MM_MAX_PHYS / SECTION_SIZE);
	/* page 0, kernel, initrd, section table, memmap, early page tables */
	CHECK_EQ(st.reserved, 1 + 512 + 64 + st.boot_alloc);
	CHECK_EQ(st.boot_alloc, 1 + st.memmap + sim_mm_pgtables_allocated);
	CHECK(sim_mm_pgtables_allocated >= 1);
	CHECK(PageReserved(pfn_to_page(0)));
	CHECK(PageReserved(pfn_to_page(256)));           /* kernel at 1M */
	CHECK(pfn_to_page(256)->flags == 0);
	CHECK(pfn_to_page(200)->flags & PG_hole);       /* 800K: E820 reserved */
	CHECK(PageReserved(pfn_to_page(1)));            /* boot allocator: lowest fit */
	CHECK(PageFree(pfn_to_page(159)));
	CHECK(PageFree(pfn_to_page(2 * PAGES_PER_SECTION - 1))); /* last page of RAM */
	CHECK(strstr(unit_log(), "mm: "));
}

TEST(mm_boot_mem_limit_and_holes)
{
	sim_mm_reset();
	bootmem_add_region(0, 64 << 20, E820_RAM);
	bootmem_add_region(300 << 20, 100 << 20, E820_RAM);   /* sections 2, 3 partly */
	bootmem_add_region(3584ULL << 20, 1536ULL << 20, E820_RAM); /* to 5G */
	bootmem_reserve(1 << 20, 1 << 20, "kernel");
	bootmem_apply_limit(4608ULL << 20); /* mem=4.5G; max phys is 4G */
	sim_mm_start();
	struct mm_stats st = stats();

	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(st.present, (64 + 100 + 512) << 8);
	if (SECTION_SIZE_MB == 128) {
		struct section_info si;

		CHECK_EQ(st.nr_sections_online, 1 + 2 + 4);
		CHECK_EQ(mm_section_info(1, &si), 0);
		CHECK_EQ(si.state, SECTION_ABSENT);
		CHECK_EQ(mm_section_info(2, &si), 0);
		CHECK_EQ(si.state, SECTION_ONLINE);
		CHECK_EQ(si.present, 84 << 8);
		CHECK(PageReserved(pfn_to_page((256 << 8) + 5)));
		CHECK(pfn_to_page((256 << 8) + 5)->flags & PG_hole);
	}
	CHECK(strstr(unit_log(), "above the memmap limit"));
}

TEST(mm_alloc_free_order0)
{
	sim_mm_boot_default();
	struct mm_stats a = stats();
	struct page *p = alloc_pages(0);

	CHECK(p);
	CHECK(PageAllocated(p));
	CHECK_EQ(page_count(p), 1);
	CHECK_EQ(stats().free, a.free - 1);
	CHECK_EQ(mm_check_consistency(), 0);
	free_pages(p, 0);
	CHECK(PageBuddy(p) || PageFree(p));
	CHECK_EQ(stats().free, a.free);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK(alloc_pages(MAX_ORDER + 1) == NULL);
}

/* Empty the lists of orders 0..MAX_ORDER-1 so the next small allocation must split. */
static int drain_small(struct page **held, int max)
{
	int n = 0;

	for (unsigned o = 0; o < MAX_ORDER; o++) {
		struct mm_stats st = stats();

		for (u64 k = 0; k < st.free_blocks[o]; k++) {
			CHECK(n < max);
			held[n] = alloc_pages(o);
			CHECK(held[n]);
			n++;
		}
	}
	return n;
}

TEST(mm_buddy_split_and_merge)
{
	static struct page *held[4096];

	sim_mm_boot_default();
	int n = drain_small(held, 4096);
	struct mm_stats a = stats();

	for (unsigned o = 0; o < MAX_ORDER; o++)
		CHECK_EQ(a.free_blocks[o], 0);
	CHECK(a.free_blocks[MAX_ORDER] > 0);
	struct page *p = alloc_pages(0);
	unsigned long pfn = page_to_pfn(p);
	struct mm_stats b = stats();

	CHECK_EQ(pfn % MAX_ORDER_NR_PAGES, 0);
	for (unsigned o = 0; o < MAX_ORDER; o++)
		CHECK_EQ(b.free_blocks[o], 1); /* one buddy left at each order */
	CHECK_EQ(b.free_blocks[MAX_ORDER], a.free_blocks[MAX_ORDER] - 1);
	for (unsigned o = 0; o < MAX_ORDER; o++) {
		struct page *bud = pfn_to_page(pfn + (1UL << o));

		CHECK(PageBuddy(bud));
		CHECK_EQ(bud->order, o);
	}
	CHECK_EQ(mm_check_consistency(), 0);
	free_pages(p, 0);
	struct mm_stats c = stats();

	for (unsigned o = 0; o < NR_ORDERS; o++)
		CHECK_EQ(c.free_blocks[o], a.free_blocks[o]);
	CHECK(PageBuddy(pfn_to_page(pfn)));
	CHECK_EQ(pfn_to_page(pfn)->order, MAX_ORDER);
	/* an order-9 allocation splits one block in two */
	p = alloc_pages(9);
	CHECK(p);
	CHECK_EQ(stats().free_blocks[9], 1);
	CHECK(PageAllocated(pfn_to_page(page_to_pfn(p) + 511)));
	CHECK_EQ(mm_check_consistency(), 0);
	free_pages(p, 9);
	for (int i = 0; i < n; i++)
		free_pages(held[i], held[i]->order);
	CHECK_EQ(stats().free, stats().managed);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_get_put_page)
{
	sim_mm_boot_default();
	u64 f = stats().free;
	struct page *p = alloc_pages(2);

	get_page(p);
	CHECK_EQ(page_count(p), 2);
	put_page(p);
	CHECK(PageAllocated(p));
	CHECK_EQ(stats().free, f - 4);
	put_page(p);
	CHECK_EQ(stats().free, f);
	CHECK(PageFree(p));
	void *v = alloc_pages_virt(1);

	CHECK(v);
	memset(v, 1, 2 * PAGE_SIZE);
	free_pages_virt(v, 1);
	CHECK_EQ(stats().free, f);
}

TEST(mm_exhaustion_returns_null)
{
	sim_mm_boot_default();
	page_poisoning = false; /* speed */
	struct mm_stats a = stats();
	u32 head = PFN_NONE;
	u64 n = 0;
	struct page *p;

	while ((p = alloc_pages(0))) {
		p->private = head;
		head = (u32)page_to_pfn(p);
		n++;
	}
	CHECK_EQ(n, a.free);
	CHECK_EQ(stats().free, 0);
	CHECK(alloc_pages(0) == NULL);
	CHECK(alloc_pages(MAX_ORDER) == NULL);
	CHECK_EQ(mm_check_consistency(), 0);
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		free_pages(p, 0);
	}
	struct mm_stats b = stats();

	for (unsigned o = 0; o < NR_ORDERS; o++)
		CHECK_EQ(b.free_blocks[o], a.free_blocks[o]);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_poison_catches_use_after_free)
{
	sim_mm_boot_default();
	CHECK(page_poisoning == (bool)BALLAST_DEBUG);
	page_poisoning = true;
	struct page *p = alloc_pages(0);
	unsigned char *v = page_address(p);

	free_pages(p, 0);
	CHECK_EQ(v[100], PAGE_POISON);
	v[100] = 1; /* use after free */
	unit_expect_panic();
	alloc_pages(0); /* LIFO: the same page comes back */
}

TEST(mm_double_free_panics)
{
	sim_mm_boot_default();
	struct page *p = alloc_pages(0);

	free_pages(p, 0);
	unit_expect_panic();
	free_pages(p, 0);
}

TEST(mm_wrong_order_free_panics)
{
	sim_mm_boot_default();
	struct page *p = alloc_pages(3);

	unit_expect_panic();
	free_pages(p, 2);
}

TEST(mm_pgtable_hook)
{
	sim_mm_boot_default();
	CHECK(arch_pgtable_alloc != NULL);
	u64 f = stats().free;
	phys_addr_t pt = arch_pgtable_alloc();

	CHECK(pt != 0);
	CHECK(IS_ALIGNED(pt, PAGE_SIZE));
	const u64 *w = phys_to_virt(pt);
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		CHECK_EQ(w[i], 0);
	CHECK_EQ(stats().pgtable, 1);
	CHECK_EQ(stats().free, f - 1);
	CHECK(pfn_to_page(PFN_DOWN(pt))->flags & PG_pgtable);
	CHECK(arch_pgtable_free != NULL);
	arch_pgtable_free(0);            /* not handed out: ignored */
	arch_pgtable_free(1ULL << 20);   /* the kernel image: ignored */
	arch_pgtable_free(SIM_MM_MAX_PHYS - PAGE_SIZE); /* absent: ignored */
	CHECK_EQ(stats().free, f - 1);
	arch_pgtable_free(pt);
	CHECK_EQ(stats().pgtable, 0);
	CHECK_EQ(stats().free, f);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_balloon_set_page_offline)
{
	sim_mm_boot_default();
	struct mm_stats a = stats();
	struct page *p = alloc_page();

	set_page_offline(p, false);
	CHECK(PageOffline(p));
	CHECK_EQ(stats().managed, a.managed - 1);
	CHECK_EQ(stats().page_offline, 1);
	CHECK_EQ(mm_check_consistency(), 0);
	free_offline_page(p);
	CHECK_EQ(stats().managed, a.managed);
	CHECK_EQ(stats().free, a.free);
	CHECK_EQ(stats().page_offline, 0);
	CHECK_EQ(mm_check_consistency(), 0);
}
