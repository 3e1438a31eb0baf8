/*
 * The balloon's page lists. Ballooned pages are PageOffline and have no
 * frame behind them, so the links live in struct page (page->private),
 * never in the page itself. A whole 2 MiB run is one entry: its head is
 * linked, its other pages point back at the head, so going up can hand
 * the host order-9 extents without searching.
 */
#include "internal.h"

void bl_push(struct balloon_list *l, unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	BUG_ON(!PageOffline(p));
	p->private = BALLOON_TAG_LINK | l->head;
	l->head = pfn;
	l->nr++;
}

unsigned long bl_pop(struct balloon_list *l)
{
	unsigned long pfn = l->head;
	struct page *p;

	BUG_ON(pfn == BALLOON_NO_PFN || l->nr == 0);
	p = pfn_to_page(pfn);
	BUG_ON((p->private & ~BALLOON_PFN_MASK) != BALLOON_TAG_LINK);
	l->head = (unsigned long)(p->private & BALLOON_PFN_MASK);
	l->nr--;
	p->private = 0;
	return pfn;
}

void bl_push_huge(struct balloon_list *l, unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	BUG_ON(pfn & (BALLOON_HUGE_PAGES - 1));
	for (unsigned long i = 1; i < BALLOON_HUGE_PAGES; i++) {
		BUG_ON(!PageOffline(&p[i]));
		p[i].private = BALLOON_TAG_TAIL | pfn;
	}
	bl_push(l, pfn);
}

void bl_push_run(struct balloon_list *l, unsigned long pfn, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		bl_push(l, pfn + i);
}

bool balloon_owns_page(const struct page *p)
{
	u64 tag = p->private & ~BALLOON_PFN_MASK;

	return PageOffline(p) &&
	       (tag == BALLOON_TAG_LINK || tag == BALLOON_TAG_TAIL);
}
