/*
 * What mm tells the rest of the kernel about itself: readiness, section
 * geometry, one section's state (lsmem, chmem, the balloon), the counters
 * (free, meminfo). Apart from page_alloc.c because it only reads mm state:
 * nothing here changes a page or a list.
 */
#include "internal.h"

bool mm_ready(void)
{
	return mm.ready;
}

unsigned int memmap_order(void)
{
	unsigned int o = 0;

	while ((1UL << o) < SECTION_MEMMAP_PAGES)
		o++;
	return o;
}

unsigned long section_memmap_pages(void)
{
	return SECTION_MEMMAP_PAGES;
}

unsigned long mm_nr_sections(void)
{
	return mm.nr_sections;
}

int mm_section_info(unsigned long nr, struct section_info *info)
{
	if (!mm.ready || nr >= mm.nr_sections)
		return -EINVAL;
	const struct mm_section *s = &mm.sections[nr];

	info->state = s->state;
	info->memmap_src = s->memmap_src;
	info->isolated = s->isolated;
	info->boot = s->boot;
	info->memmap_pfn = s->memmap_pfn;
	info->memmap_pages = s->state ? SECTION_MEMMAP_PAGES : 0;
	info->present = s->present;
	info->reserved = s->reserved;
	info->owner = section_owner(s) ? section_owner(s)->name : NULL;
	return 0;
}

void mm_get_stats(struct mm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->present = mm.present;
	st->online = mm.online;
	st->offline = mm.offline;
	st->managed = mm.managed;
	/* Out for a report is still the guest's free memory (back soon). */
	st->free = mm.free + mm.reporting; /* the order-0 cache is in mm.free */
	st->isolated_free = mm.isolated_free;
	st->reserved = mm.reserved;
	st->page_offline = mm.page_offline;
	st->memmap = mm.memmap;
	st->memmap_on_memory = mm.memmap_on_memory;
	st->pgtable = mm.pgtable;
	st->boot_alloc = mm.boot_alloc;
	for (int o = 0; o < NR_ORDERS; o++)
		st->free_blocks[o] = mm.area[o].nr;
	st->pcp = mm.pcp.count;
	st->nr_sections_present = mm.nr_present_sections;
	st->nr_sections_online = mm.nr_online_sections;
}
