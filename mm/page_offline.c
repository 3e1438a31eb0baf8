/*
 * PageOffline pages for drivers (mm.h): an allocated page or block handed
 * to a driver that owns it from then on (a balloon, virtio-mem), and back
 * to the allocator; split_page, and the page type names. Apart from
 * page_alloc.c because it is the drivers' interface to page states, not
 * the buddy's lists: everything here ends in one buddy_free_block call or
 * in none.
 */
#include "buddy.h"

void set_page_offline(struct page *page, bool skippable)
{
	check_alloc_head(page);
	BUG_ON(page->order != 0 || pfn_section(page_to_pfn(page))->state !=
					   SECTION_ONLINE);
	page->type = PGTY_OFFLINE;
	page->flags = skippable ? PG_offline_skippable : 0;
	mm.managed--;
	mm.page_offline++;
}

void set_pages_offline(struct page *page, unsigned int order)
{
	unsigned long n = 1UL << order;

	check_alloc_head(page);
	/* Page-table pages are counted per page: never handed to a driver. */
	BUG_ON(page->order != order || page->refcount != 1 ||
	       (page->flags & PG_pgtable) ||
	       pfn_section(page_to_pfn(page))->state != SECTION_ONLINE);
	for (unsigned long i = 0; i < n; i++) {
		page[i].type = PGTY_OFFLINE;
		page[i].order = 0;
		page[i].flags = 0;
		page[i].refcount = 1;
	}
	mm.managed -= n;
	mm.page_offline += n;
}

/* Skippable or not: the buddy clears every flag (reset_pages). */
void free_offline_page(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	BUG_ON(page->type != PGTY_OFFLINE);
	BUG_ON(pfn_section(pfn)->state != SECTION_ONLINE);
	mm.page_offline--;
	mm.managed++;
	buddy_free_block(pfn, 0);
}

void free_offline_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), n = 1UL << order;

	BUG_ON(order > MAX_ORDER || (pfn & (n - 1)));
	BUG_ON(pfn_section(pfn)->state != SECTION_ONLINE);
	for (unsigned long i = 0; i < n; i++)
		BUG_ON(page[i].type != PGTY_OFFLINE);
	mm.page_offline -= n;
	mm.managed += n;
	buddy_free_block(pfn, order);
}

void split_page(struct page *page, unsigned int order)
{
	check_alloc_head(page);
	/* Page-table pages are counted per page: never split. */
	BUG_ON(page->order != order || page->refcount != 1 ||
	       (page->flags & PG_pgtable));
	for (unsigned long i = 0; i < (1UL << order); i++) {
		page[i].order = 0;
		page[i].flags = PG_head;
		page[i].refcount = 1;
	}
}

void SetPageOfflineSkippable(struct page *p)
{
	BUG_ON(p->type != PGTY_OFFLINE);
	p->flags |= PG_offline_skippable;
}

void ClearPageOfflineSkippable(struct page *p)
{
	BUG_ON(p->type != PGTY_OFFLINE);
	p->flags &= (u16)~PG_offline_skippable;
}

const char *page_type_name(const struct page *p)
{
	switch (p->type) {
	case PGTY_RESERVED:
		return "reserved";
	case PGTY_BUDDY:
		return "buddy";
	case PGTY_FREE:
		return "free";
	case PGTY_ALLOC:
		return "allocated";
	case PGTY_OFFLINE:
		return "offline";
	case PGTY_REPORTING:
		return "reporting";
	case PGTY_PCP:
		return "pcp";
	default:
		return "?";
	}
}
