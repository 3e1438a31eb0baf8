/*
 * The boot allocator (the memblock idea): a tiny bottom-up allocator over
 * the boot memory map that hands out the section table, the memmap and the
 * early page tables before the buddy allocator exists. It records what it
 * gave out; when mm_init closes it, everything else goes to the buddy
 * allocator (boot_free_usable).
 */
#include <ballast/boot_mem_map.h>
#include "internal.h"

u64 boot_ram_limit(void)
{
	return (u64)mm.nr_sections * SECTION_SIZE;
}

/* Usable RAM range i, clipped to what the memmap can describe. */
bool boot_ram_range(int i, u64 *s, u64 *e)
{
	if (!bootmem_ram_range(i, s, e))
		return false;
	*e = MIN(*e, boot_ram_limit());
	if (*s > *e)
		*s = *e;
	return true;
}

/*
 * The first range that keeps memory from the allocator overlapping
 * [s, e): boot_mem_map reservations and offline ranges (page rounded
 * outward), what the boot allocator gave out, and page 0 (0 means failure for arch_pgtable_alloc).
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
	for (int i = 0; i < boot_mem_map.nr_offline; i++) {
		const struct boot_reserve *r = &boot_mem_map.offline[i];

		CONSIDER(ALIGN_DOWN(r->start, PAGE_SIZE),
			 ALIGN_UP(r->start + r->size, PAGE_SIZE));
	}
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
	for (int i = 0; boot_ram_range(i, &s, &e); i++) {
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

phys_addr_t boot_pgtable_alloc(void)
{
	return boot_alloc(PAGE_SIZE);
}

/* Hand [s, e) of RAM minus every reservation to the buddy allocator. */
u64 boot_free_usable(u64 s, u64 e)
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

/* A boot reservation or a boot allocation covers the page at pa. */
bool boot_page_reserved(u64 pa)
{
	for (int i = 0; i < boot_mem_map.nr_reserved; i++) {
		const struct boot_reserve *r = &boot_mem_map.resv[i];

		if (r->size && pa + PAGE_SIZE > ALIGN_DOWN(r->start, PAGE_SIZE) &&
		    pa < ALIGN_UP(r->start + r->size, PAGE_SIZE))
			return true;
	}
	for (int i = 0; i < mm.nr_boot_ranges; i++)
		if (pa >= mm.boot_ranges[i].start && pa < mm.boot_ranges[i].end)
			return true;
	return pa == 0;
}
