/*
 * mm_init: from the boot memory map to a running buddy allocator. The boot
 * allocator (boot_alloc.c) provides the section table, the memmap of every
 * section with boot RAM and the page tables; then every usable page goes to
 * the buddy allocator and boot sections come up online.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/page_reporting.h>
#include "internal.h"

static void init_free_lists(void)
{
	for (int o = 0; o < NR_ORDERS; o++) {
		mm.area[o].head = mm.iso[o].head = PFN_NONE;
		mm.area[o].tail = mm.iso[o].tail = PFN_NONE;
		mm.area[o].rep = mm.iso[o].rep = PFN_NONE;
		mm.area[o].nr = mm.iso[o].nr = 0;
	}
	mm.pcp.high = PCP_HIGH;
}

static void warn_ram_above_limit(void)
{
	u64 s, e;

	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		if (e > boot_ram_limit())
			pr_warn("mm: RAM %#llx-%#llx above the memmap limit %#llx ignored\n",
				(unsigned long long)MAX(s, boot_ram_limit()),
				(unsigned long long)e,
				(unsigned long long)boot_ram_limit());
}

/* The section table and every page table, from the boot allocator. */
static void alloc_sections_and_page_tables(void)
{
	mm.boot_open = true;
	arch_pgtable_alloc = boot_pgtable_alloc;
	arch_pgtable_free = NULL; /* boot page tables are never given back */
	/* The history bytes follow the table, in the same allocation. */
	mm.sections = phys_to_virt(
		boot_alloc(mm.nr_sections * (sizeof(struct mm_section) + 1)));
	mm.history = (u8 *)(mm.sections + mm.nr_sections);
	if (arch_prealloc_page_tables())
		panic("mm: cannot build the page tables for %llu GiB",
		      (unsigned long long)(arch_max_phys_addr >> 30));
}

/* Pages of [pfn, end) inside the boot map's offline ranges. */
static unsigned long offline_pages_in(unsigned long pfn, unsigned long end)
{
	unsigned long n = 0;
	u64 s, e;

	for (int i = 0; bootmem_offline_range(i, &s, &e); i++) {
		unsigned long a = MAX(pfn, PFN_DOWN(s)), b = MIN(end, PFN_DOWN(e));

		n += b > a ? b - a : 0;
	}
	return n;
}

/*
 * Which sections have RAM, and how much. A section whose RAM is all
 * offline (no frame behind it: PV pfns past nr_pages, populate-on-demand
 * memory) gets no memmap: it stays absent until a driver backs it and adds
 * it, so the memmap grows with the memory the guest has, not with maxmem.
 */
static void count_boot_sections(void)
{
	u64 s, e;

	for (int i = 0; boot_ram_range(i, &s, &e); i++) {
		for (unsigned long pfn = PFN_DOWN(s); pfn < PFN_DOWN(e);) {
			unsigned long nr = pfn_to_section_nr(pfn);
			unsigned long end = MIN(PFN_DOWN(e), section_nr_to_pfn(nr + 1));

			mm.sections[nr].boot = 1;
			mm.sections[nr].present += end - pfn;
			mm.sections[nr].reserved += offline_pages_in(pfn, end);
			pfn = end;
		}
	}
	for (unsigned long nr = 0; nr < mm.nr_sections; nr++) {
		struct mm_section *sec = &mm.sections[nr];

		if (sec->boot && sec->reserved == sec->present)
			sec->boot = 0, sec->present = 0;
		sec->reserved = 0; /* borrowed as the offline count above */
		mm.present += sec->present;
	}
}

static bool pfn_has_memmap(unsigned long pfn)
{
	return pfn_section(pfn)->boot;
}

/* A boot section's memmap, every page a Reserved hole to begin with. */
static void init_boot_memmap(unsigned long nr)
{
	struct mm_section *sec = &mm.sections[nr];
	phys_addr_t mp = boot_alloc(SECTION_MEMMAP_BYTES);
	struct page *p = pfn_to_page(section_nr_to_pfn(nr));

	if (arch_map_range(section_memmap_va(nr), mp, SECTION_MEMMAP_BYTES))
		panic("mm: cannot map the memmap of section %lu", nr);
	sec->memmap_pfn = (u32)PFN_DOWN(mp);
	sec->memmap_src = MEMMAP_BOOT;
	sec->state = SECTION_ONLINE;
	mm.nr_present_sections++;
	mm.nr_online_sections++;
	mm.memmap += SECTION_MEMMAP_PAGES;
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
		p[i].type = PGTY_RESERVED;
		p[i].flags = PG_hole;
		p[i].lru.next = p[i].lru.prev = PFN_NONE;
	}
}

/* Memmap for each boot section: holes, then the RAM pages Reserved. */
static void init_boot_memmaps(void)
{
	u64 s, e;

	for (unsigned long nr = 0; nr < mm.nr_sections; nr++)
		if (mm.sections[nr].boot)
			init_boot_memmap(nr);
	for (int i = 0; boot_ram_range(i, &s, &e); i++)
		for (unsigned long pfn = PFN_DOWN(s); pfn < PFN_DOWN(e); pfn++)
			if (pfn_has_memmap(pfn))
				pfn_to_page(pfn)->flags = 0;
}

/*
 * RAM the platform has not backed: PageOffline with the reference a driver
 * will own, never touched. A page a boot reservation also covers stays
 * Reserved (the reservation wins).
 */
static u64 mark_boot_offline(void)
{
	u64 s, e, n = 0;

	for (int i = 0; bootmem_offline_range(i, &s, &e); i++) {
		e = MIN(e, boot_ram_limit());
		for (unsigned long pfn = PFN_DOWN(s); pfn < PFN_DOWN(e); pfn++) {
			if (!pfn_has_memmap(pfn))
				continue; /* a section left absent */
			struct page *p = pfn_to_page(pfn);

			if (p->type != PGTY_RESERVED || p->flags ||
			    boot_page_reserved(PFN_PHYS(pfn)))
				continue;
			p->type = PGTY_OFFLINE;
			p->refcount = 1;
			n++;
		}
	}
	return n;
}

/* Close the boot allocator: everything not reserved goes to the buddy. */
static void free_boot_ram(void)
{
	u64 s, e;

	mm.boot_open = false;
	for (int i = 0; boot_ram_range(i, &s, &e); i++)
		mm.managed += boot_free_usable(s, e);
	mm.online = mm.present;
	mm.page_offline = mark_boot_offline();
	mm.reserved = mm.present - mm.managed - mm.page_offline;
	for (unsigned long nr = 0; nr < mm.nr_sections; nr++) {
		struct mm_section *sec = &mm.sections[nr];
		struct page *p = pfn_to_page(section_nr_to_pfn(nr));

		if (!sec->boot)
			continue;
		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
			if (p[i].type == PGTY_RESERVED && !(p[i].flags & PG_hole))
				sec->reserved++;
	}
}

void mm_init(void)
{
	BUG_ON(mm.ready);
	BUG_ON(PFN_DOWN(arch_max_phys_addr) > PFN_NONE);
	mm.nr_sections = arch_max_phys_addr / SECTION_SIZE;
	init_free_lists();
	warn_ram_above_limit();
	alloc_sections_and_page_tables();
	count_boot_sections();
	init_boot_memmaps();
	free_boot_ram();
	mm.ready = true;
	arch_pgtable_alloc = buddy_pgtable_alloc;
	arch_pgtable_free = buddy_pgtable_free;
	pr_info("mm: %llu KiB RAM, %llu KiB free, %llu KiB reserved, memmap %llu KiB (%zu-byte struct page), %lu MiB sections\n",
		(unsigned long long)(mm.present * PAGE_SIZE >> 10),
		(unsigned long long)(mm.free * PAGE_SIZE >> 10),
		(unsigned long long)(mm.reserved * PAGE_SIZE >> 10),
		(unsigned long long)(mm.memmap * PAGE_SIZE >> 10),
		sizeof(struct page), (unsigned long)SECTION_SIZE_MB);
}

#ifdef BALLAST_HOST
void mm_reset_for_test(void)
{
	page_reporting_reset_for_test();
	memset(&mm, 0, sizeof(mm));
	page_poisoning = BALLAST_DEBUG;
}
#endif
