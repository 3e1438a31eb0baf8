/*
 * Early boot: a tiny bottom-up boot allocator (the memblock idea) hands out
 * the section table, the memmap and early page tables; then every usable page
 * goes to the buddy allocator and the boot allocator closes.
 */
#include <ballast/boot_mem_map.h>
#include "internal.h"


static u64 ram_limit(void)
{
	return (u64)mm.nr_sections * SECTION_SIZE;
}

/* Usable RAM range i, clipped to what the memmap can describe. */
static bool ram_range(int i, u64 *s, u64 *e)
{
	if (!bootmem_ram_range(i, s, e))
		return false;
	*e = MIN(*e, ram_limit());
	if (*s > *e)
		*s = *e;
	return true;
}

/*
 * The first range that keeps memory from the allocator overlapping
 * [s, e): boot_mem_map reservations (page rounded outward), what the boot
 * allocator gave out, and page 0 (0 means failure for arch_pgtable_alloc).
 * Returns false when none.
 */
static bool first_reserved(u64 s, u64 e, u64 *rs, u64 *re)
{
	bool found = false;
	u64 bs = 0, be = 0;

#define CONSIDER(a, b)                                                        \
	do {                                                                  \
		u64 _a = (a), _b = (b);                                       \
		if (_a < e && _b > s && (!found || _a < bs)) {                \
			found = true;                                         \
			bs = _a;                                              \
			be = _b;                                              \
		}                                                             \
	} while (0)
	CONSIDER(0, PAGE_SIZE);
	for (int i = 0; i < boot_mem_map.nr_reserved; i++) {
		const struct boot_reserve *r = &boot_mem_map.resv[i];

		if (r->size)
			CONSIDER(ALIGN_DOWN(r->start, PAGE_SIZE),
				 ALIGN_UP(r->start + r->size, PAGE_SIZE));
	}
	for (int i = 0; i < mm.nr_boot_ranges; i++)
		CONSIDER(mm.boot_ranges[i].start, mm.boot_ranges[i].end);
#undef CONSIDER
	*rs = bs;
	*re = be;
	return found;
}

static void boot_record(u64 s, u64 e)
{
	for (int i = 0; i < mm.nr_boot_ranges; i++) {
		if (mm.boot_ranges[i].end == s) {
			mm.boot_ranges[i].end = e;
			return;
		}
		if (mm.boot_ranges[i].start == e) {
			mm.boot_ranges[i].start = s;
			return;
		}
	}
	if (mm.nr_boot_ranges == BOOT_ALLOC_MAX)
		panic("boot allocator: more than %d ranges", BOOT_ALLOC_MAX);
	mm.boot_ranges[mm.nr_boot_ranges].start = s;
	mm.boot_ranges[mm.nr_boot_ranges].end = e;
	mm.nr_boot_ranges++;
}

/* Zeroed, page aligned; lowest fit. Boot cannot go on without it. */
phys_addr_t boot_alloc(u64 size)
{
	u64 s, e;

	BUG_ON(!mm.boot_open);
	size = ALIGN_UP(size, PAGE_SIZE);
	for (int i = 0; ram_range(i, &s, &e); i++) {
		u64 cur = s;

		while (cur + size <= e) {
			u64 rs, re;

			if (!first_reserved(cur, cur + size, &rs, &re)) {
				boot_record(cur, cur + size);
				mm.boot_alloc += size >> PAGE_SHIFT;
				memset(phys_to_virt(cur), 0, size);
				return cur;
			}
			cur = re;
		}
	}
	panic("boot allocator: no %llu KiB of free RAM",
	      (unsigned long long)(size >> 10));
}

static phys_addr_t boot_pgtable_alloc(void)
{
	return boot_alloc(PAGE_SIZE);
}

/* Hand [s, e) of RAM minus every reservation to the buddy allocator. */
static u64 free_usable(u64 s, u64 e)
{
	u64 freed = 0;

	while (s < e) {
		u64 rs, re;

		if (!first_reserved(s, e, &rs, &re)) {
			rs = e;
			re = e;
		}
		if (rs > s) {
			buddy_free_range(PFN_DOWN(s), PFN_DOWN(rs));
			freed += PFN_DOWN(rs) - PFN_DOWN(s);
		}
		s = MAX(re, s);
	}
	return freed;
}

void mm_init(void)
{
	u64 s, e;

	BUG_ON(mm.ready);
	BUG_ON(PFN_DOWN(arch_max_phys_addr) > PFN_NONE);
	mm.nr_sections = arch_max_phys_addr / SECTION_SIZE;
	for (int o = 0; o < NR_ORDERS; o++) {
		mm.area[o].head = mm.iso[o].head = PFN_NONE;
		mm.area[o].nr = mm.iso[o].nr = 0;
	}
	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		if (e > ram_limit())
			pr_warn("mm: RAM %#llx-%#llx above the memmap limit %#llx ignored\n",
				(unsigned long long)MAX(s, ram_limit()),
				(unsigned long long)e,
				(unsigned long long)ram_limit());

	mm.boot_open = true;
	arch_pgtable_alloc = boot_pgtable_alloc;
	arch_pgtable_free = NULL; /* boot page tables are never given back */
	mm.sections = phys_to_virt(
		boot_alloc(mm.nr_sections * sizeof(struct mm_section)));
	if (arch_prealloc_page_tables())
		panic("mm: cannot build the page tables for %llu GiB",
		      (unsigned long long)(arch_max_phys_addr >> 30));

	/* Which sections have RAM, and how much. */
	for (int i = 0; ram_range(i, &s, &e); i++) {
		for (unsigned long pfn = PFN_DOWN(s); pfn < PFN_DOWN(e);) {
			unsigned long nr = pfn_to_section_nr(pfn);
			unsigned long end = MIN(PFN_DOWN(e), section_nr_to_pfn(nr + 1));

			mm.sections[nr].boot = 1;
			mm.sections[nr].present += end - pfn;
			pfn = end;
		}
	}

	/* Memmap for each: all Reserved holes, then the RAM pages Reserved. */
	for (unsigned long nr = 0; nr < mm.nr_sections; nr++) {
		struct mm_section *sec = &mm.sections[nr];

		if (!sec->boot)
			continue;
		phys_addr_t mp = boot_alloc(SECTION_MEMMAP_BYTES);

		if (arch_map_range(section_memmap_va(nr), mp, SECTION_MEMMAP_BYTES))
			panic("mm: cannot map the memmap of section %lu", nr);
		sec->memmap_pfn = (u32)PFN_DOWN(mp);
		sec->memmap_src = MEMMAP_BOOT;
		sec->state = SECTION_ONLINE;
		mm.memmap += SECTION_MEMMAP_PAGES;
		struct page *p = pfn_to_page(section_nr_to_pfn(nr));

		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
			p[i].type = PGTY_RESERVED;
			p[i].flags = PG_hole;
			p[i].lru.next = p[i].lru.prev = PFN_NONE;
		}
	}
	for (int i = 0; ram_range(i, &s, &e); i++)
		for (unsigned long pfn = PFN_DOWN(s); pfn < PFN_DOWN(e); pfn++)
			pfn_to_page(pfn)->flags = 0;
	mm.boot_open = false;

	/* Everything not reserved goes to the buddy allocator. */
	for (int i = 0; ram_range(i, &s, &e); i++) {
		mm.present += PFN_DOWN(e) - PFN_DOWN(s);
		mm.managed += free_usable(s, e);
	}
	mm.online = mm.present;
	mm.reserved = mm.present - mm.managed;
	for (unsigned long nr = 0; nr < mm.nr_sections; nr++) {
		struct mm_section *sec = &mm.sections[nr];
		struct page *p = pfn_to_page(section_nr_to_pfn(nr));

		if (!sec->boot)
			continue;
		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
			if (p[i].type == PGTY_RESERVED && !(p[i].flags & PG_hole))
				sec->reserved++;
	}
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
	memset(&mm, 0, sizeof(mm));
	page_poisoning = BALLAST_DEBUG;
}
#endif
