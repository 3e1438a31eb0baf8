/*
 * Why a page keeps its memory block from going offline (Linux
 * mm/page_isolation.c's side of offlining): the page-by-page verdicts
 * offline_pages and is_memory_block_removable share, and taking the pages
 * of an isolated range out of the allocator once they all agreed. Apart
 * from memory_hotplug.c because it reads page states (the allocator's and
 * the drivers' PageOffline rules), while the hotplug flow only sequences
 * isolation, notifiers and section states.
 */
#include "internal.h"

/* Why pfn keeps its block from going offline, or NULL if it does not. */
static const char *page_busy_reason(const struct page *p, char *buf, size_t len)
{
	switch (p->type) {
	case PGTY_BUDDY:
	case PGTY_FREE:
	case PGTY_PCP: /* isolation gives them back to the buddy first */
		return NULL;
	case PGTY_RESERVED:
		if (p->flags & (PG_hole | PG_vmemmap))
			return NULL;
		return "reserved page (boot allocation, kernel or memmap)";
	case PGTY_ALLOC:
		if (p->flags & PG_pgtable)
			return "page-table page in use";
		ksnprintf(buf, len, "page in use (refcount %u%s)",
			  p->refcount, (p->flags & PG_head) ? "" : ", inside a larger allocation");
		return buf;
	case PGTY_REPORTING:
		/* Drained before isolation: only if the device kept it. */
		return "free block out for a free page report";
	case PGTY_OFFLINE:
		if ((p->flags & PG_offline_skippable) || p->refcount == 0)
			return NULL;
		ksnprintf(buf, len,
			  "PageOffline page its owner did not release (refcount %u, not skippable)",
			  p->refcount);
		return buf;
	}
	return "unknown page state";
}

/* Every page of the isolated range must be free or let go; -EBUSY names one. */
int check_offlinable(unsigned long pfn, unsigned long end)
{
	char buf[96];

	for (unsigned long i = pfn; i < end;) {
		const struct page *p = pfn_to_page(i);
		const char *why = page_busy_reason(p, buf, sizeof(buf));

		if (why) {
			pr_err("offline_pages: %#llx-%#llx busy: pfn %#lx: %s\n",
			       (unsigned long long)PFN_PHYS(pfn),
			       (unsigned long long)PFN_PHYS(end) - 1, i, why);
			return -EBUSY;
		}
		i += p->type == PGTY_BUDDY ? 1UL << p->order : 1;
	}
	return 0;
}

/* Free blocks leave the allocator; skipped PageOffline pages are remembered. */
void take_offline_pages(unsigned long pfn, unsigned long end)
{
	for (unsigned long i = pfn; i < end;) {
		struct page *p = pfn_to_page(i);

		if (p->type == PGTY_BUDDY) {
			unsigned long n = 1UL << p->order;

			buddy_take_free_block(p);
			reset_pages(p, n, PGTY_OFFLINE);
			mm.managed -= n;
			i += n;
			continue;
		}
		BUG_ON(p->type == PGTY_PCP); /* drained by the isolation */
		if (p->type == PGTY_OFFLINE) {
			/* Skipped: remembered for the next online. */
			p->flags = PG_offline_skippable;
			p->refcount = 0;
			mm.page_offline--;
		}
		i++;
	}
}

bool is_memory_block_removable(unsigned long block)
{
	char buf[96];

	if (!mm.ready || block >= mm.nr_sections)
		return false;
	switch (mm.sections[block].state) {
	case SECTION_OFFLINE:
		return true;
	case SECTION_ONLINE:
		break;
	default:
		return false;
	}
	unsigned long pfn = section_nr_to_pfn(block), end = pfn + PAGES_PER_SECTION;

	while (pfn < end) {
		const struct page *p = pfn_to_page(pfn);

		/* Out for a report: offlining drains it first. */
		if (p->type == PGTY_REPORTING) {
			pfn += 1UL << p->order;
			continue;
		}
		if (page_busy_reason(p, buf, sizeof(buf)))
			return false;
		pfn += p->type == PGTY_BUDDY ? 1UL << p->order : 1;
	}
	return true;
}
