/*
 * The memmap of hot-added memory (Linux mm/sparse.c): a block's struct
 * pages allocated (from the buddy, or on the block itself), mapped at their
 * vmemmap place, initialised from the boot memory map, and given back on
 * removal. Apart from memory_hotplug.c because it is about where struct
 * pages live, not about a block's state: the hotplug flow calls
 * section_add and section_remove and knows nothing of memmap chunks.
 */
#include <ballast/boot_mem_map.h>
#include "internal.h"

/*
 * How many pages of [pfn, end) have RAM behind them as the boot map tells
 * (bootmem_hotplug_range); with p set, those pages of the memmap p (for
 * pfn onwards) become PageOffline and the rest stay what they were (holes).
 */
static unsigned long boot_ram_pages(unsigned long pfn, unsigned long end,
				    struct page *p)
{
	unsigned long n = 0;
	u64 s, e;

	for (int i = 0; bootmem_hotplug_range(i, &s, &e); i++) {
		unsigned long a = MAX(pfn, PFN_DOWN(s)), b = MIN(end, PFN_DOWN(e));

		for (unsigned long k = a; p && k < b; k++) {
			p[k - pfn].type = PGTY_OFFLINE;
			p[k - pfn].flags = 0;
		}
		n += b > a ? b - a : 0;
	}
	return n;
}

/*
 * Without MHP_BACKED a block needs RAM behind it in the boot map, and with
 * memmap-on-memory the pages its memmap goes to must be RAM.
 */
int check_backed(unsigned long nr, unsigned int flags)
{
	unsigned long pfn = section_nr_to_pfn(nr);

	if (flags & MHP_BACKED)
		return 0;
	if (!boot_ram_pages(pfn, pfn + PAGES_PER_SECTION, NULL)) {
		pr_err("add_memory: memory block %lu (%#llx) has no RAM behind it: the boot memory map calls it reserved or it lies past the end of RAM\n",
		       nr, (unsigned long long)PFN_PHYS(pfn));
		return -ENXIO;
	}
	if ((flags & MHP_MEMMAP_ON_MEMORY) &&
	    boot_ram_pages(pfn, pfn + SECTION_MEMMAP_PAGES, NULL) !=
		    SECTION_MEMMAP_PAGES) {
		pr_err("add_memory: memory block %lu (%#llx) does not start with %lu pages of RAM for its memmap\n",
		       nr, (unsigned long long)PFN_PHYS(pfn),
		       (unsigned long)SECTION_MEMMAP_PAGES);
		return -ENXIO;
	}
	return 0;
}

/* All pages PageOffline when backed, else holes where the boot map has no RAM. */
static unsigned long init_section_pages(struct page *p, unsigned long start,
					bool backed)
{
	/* All RAM (the usual case): one pass, as for a backed block. */
	if (!backed)
		backed = boot_ram_pages(start, start + PAGES_PER_SECTION, NULL) ==
			 PAGES_PER_SECTION;
	/* Each struct page written whole: two stores, not a memset and four. */
	const struct page t = {
		.lru = { PFN_NONE, PFN_NONE },
		.type = backed ? PGTY_OFFLINE : PGTY_RESERVED,
		.flags = backed ? 0 : PG_hole,
	};

	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
		p[i] = t;
	if (backed)
		return PAGES_PER_SECTION;
	return boot_ram_pages(start, start + PAGES_PER_SECTION, p);
}

/* Give back a buddy memmap: its chunks are chained through head->private. */
static void memmap_free_chunks(u32 pfn)
{
	while (pfn != PFN_NONE) {
		struct page *head = pfn_to_page(pfn);

		pfn = (u32)head->private;
		head->private = 0;
		free_pages(head, head->order);
	}
}

/*
 * A block's memmap from the buddy allocator, mapped at its vmemmap place:
 * one block when there is one, else smaller chunks one after another (a
 * memmap bigger than MAX_ORDER, or fragmented memory). Returns the pfn of
 * the first chunk through *first.
 */
static int memmap_alloc_map(unsigned long nr, u32 *first)
{
	unsigned int order = MAX_ORDER;
	struct page *prev = NULL;
	u64 off = 0;
	int ret = 0;

	*first = PFN_NONE;
	while (off < SECTION_MEMMAP_BYTES) {
		while (order && (PAGE_SIZE << order) > SECTION_MEMMAP_BYTES - off)
			order--;
		struct page *p = alloc_pages(order);

		if (!p && order) {
			order--;
			continue;
		}
		if (!p) {
			pr_err("add_memory: no memory for the memmap of block %lu (%llu KiB)\n",
			       nr, (unsigned long long)(SECTION_MEMMAP_BYTES >> 10));
			ret = -ENOMEM;
			break;
		}
		p->private = PFN_NONE;
		if (prev)
			prev->private = page_to_pfn(p);
		else
			*first = (u32)page_to_pfn(p);
		prev = p;
		ret = arch_map_range(section_memmap_va(nr) + off,
				     PFN_PHYS(page_to_pfn(p)), PAGE_SIZE << order);
		if (ret) {
			pr_err("add_memory: cannot map the memmap of block %lu (%d)\n",
			       nr, ret);
			break;
		}
		off += PAGE_SIZE << order;
	}
	if (ret) {
		if (off)
			arch_unmap_range(section_memmap_va(nr), off);
		memmap_free_chunks(*first);
	}
	return ret;
}

int section_add(unsigned long nr, unsigned int flags)
{
	bool on_memory = flags & MHP_MEMMAP_ON_MEMORY;
	struct mm_section *s = &mm.sections[nr];
	unsigned long start = section_nr_to_pfn(nr);
	u32 mpfn = (u32)start;
	u64 t0 = clock_ns();
	int ret;

	if (on_memory)
		ret = arch_map_range(section_memmap_va(nr), PFN_PHYS(start),
				     SECTION_MEMMAP_BYTES);
	else
		ret = memmap_alloc_map(nr, &mpfn);
	hp_account(HP_MEMMAP_MAP, t0);
	if (ret) {
		if (on_memory)
			pr_err("add_memory: cannot map the memmap of block %lu (%d)\n",
			       nr, ret);
		return ret;
	}
	struct page *p = pfn_to_page(start);

	t0 = clock_ns();
	unsigned long present = init_section_pages(p, start, flags & MHP_BACKED);

	if (on_memory)
		for (unsigned long i = 0; i < SECTION_MEMMAP_PAGES; i++) {
			p[i].type = PGTY_RESERVED;
			p[i].flags = PG_vmemmap;
		}
	hp_account(HP_STRUCT_PAGES, t0);
	s->state = SECTION_OFFLINE;
	mm.nr_present_sections++;
	s->isolated = 0;
	s->boot = 0;
	s->memmap_src = on_memory ? MEMMAP_ON_MEMORY : MEMMAP_BUDDY;
	s->memmap_pfn = (u32)mpfn;
	s->present = (u32)present;
	s->reserved = on_memory ? SECTION_MEMMAP_PAGES : 0;
	mm.present += present;
	mm.offline += present;
	mm.memmap += SECTION_MEMMAP_PAGES;
	if (on_memory)
		mm.memmap_on_memory += SECTION_MEMMAP_PAGES;
	return 0;
}

/* An offline section goes away; its memmap pages return where they came from. */
void section_remove(unsigned long nr)
{
	struct mm_section *s = &mm.sections[nr];
	unsigned long mpfn = s->memmap_pfn;

	BUG_ON(s->state != SECTION_OFFLINE || s->isolated);
	/* Its frames may go back to a hypervisor next: leave nothing in them. */
	if (s->memmap_src == MEMMAP_ON_MEMORY)
		memset((void *)section_memmap_va(nr), 0, SECTION_MEMMAP_BYTES);
	arch_unmap_range(section_memmap_va(nr), SECTION_MEMMAP_BYTES);
	switch (s->memmap_src) {
	case MEMMAP_BUDDY:
		memmap_free_chunks((u32)mpfn);
		break;
	case MEMMAP_BOOT:
		/* Reserved pages in an online block: they become free memory. */
		for (unsigned long pfn = mpfn; pfn < mpfn + SECTION_MEMMAP_PAGES;
		     pfn++) {
			struct mm_section *hs = pfn_section(pfn);
			struct page *p = pfn_to_page(pfn);

			BUG_ON(hs->state != SECTION_ONLINE || !PageReserved(p) ||
			       (p->flags & PG_hole));
			hs->reserved--;
			mm.reserved--;
			mm.managed++;
			buddy_free_block(pfn, 0);
		}
		mm.boot_alloc -= SECTION_MEMMAP_PAGES;
		break;
	case MEMMAP_ON_MEMORY:
		mm.memmap_on_memory -= SECTION_MEMMAP_PAGES;
		break;
	default:
		BUG_ON(1);
	}
	mm.memmap -= SECTION_MEMMAP_PAGES;
	mm.present -= s->present;
	mm.offline -= s->present;
	mm.nr_present_sections--;
	memset(s, 0, sizeof(*s));
}
