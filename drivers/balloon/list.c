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

/* ---- per-block lists ----------------------------------------------------- */

/* One entry per section, from the allocator once mm is up. */
int bal_blocks_init(void)
{
	unsigned long n = mm_nr_sections();
	unsigned int order = 0;

	if (balloon.blocks)
		return 0;
	if (!mm_ready() || !n)
		return -EAGAIN;
	while ((PAGE_SIZE << order) < n * sizeof(struct balloon_block))
		order++;
	balloon.blocks = alloc_pages_virt(order);
	if (!balloon.blocks)
		return -ENOMEM;
	memset(balloon.blocks, 0, PAGE_SIZE << order);
	for (unsigned long i = 0; i < n; i++)
		balloon.blocks[i].small.head = balloon.blocks[i].huge.head =
			BALLOON_NO_PFN;
	balloon.nr_blocks = n;
	balloon.lo_small = balloon.lo_huge = n;
	return 0;
}

struct balloon_block *bal_block(unsigned long pfn)
{
	unsigned long nr = pfn_to_section_nr(pfn);

	BUG_ON(nr >= balloon.nr_blocks);
	return &balloon.blocks[nr];
}

void bal_may_be_empty(unsigned long nr)
{
	if (balloon.check_lo >= balloon.check_hi) {
		balloon.check_lo = nr;
		balloon.check_hi = nr + 1;
		return;
	}
	balloon.check_lo = MIN(balloon.check_lo, nr);
	balloon.check_hi = MAX(balloon.check_hi, nr + 1);
}

void bal_keep_pages(unsigned long pfn, unsigned long n)
{
	struct balloon_block *b = bal_block(pfn);

	bl_push_run(&b->small, pfn, n);
	b->pages += n;
	balloon.nr_small += n;
	balloon.lo_small = MIN(balloon.lo_small, pfn_to_section_nr(pfn));
	bal_may_be_empty(pfn_to_section_nr(pfn));
}

void bal_keep_run(unsigned long pfn)
{
	struct balloon_block *b = bal_block(pfn);

	bl_push_huge(&b->huge, pfn);
	b->pages += BALLOON_HUGE_PAGES;
	balloon.nr_huge++;
	balloon.lo_huge = MIN(balloon.lo_huge, pfn_to_section_nr(pfn));
	bal_may_be_empty(pfn_to_section_nr(pfn));
}

/* The lowest block from *lo whose list (small or huge) has an entry. */
static struct balloon_block *lowest(unsigned long *lo, bool huge)
{
	for (; *lo < balloon.nr_blocks; (*lo)++) {
		struct balloon_block *b = &balloon.blocks[*lo];

		if (huge ? b->huge.nr : b->small.nr)
			return b;
	}
	return NULL;
}

bool bal_take_run(unsigned long *pfn, unsigned long below)
{
	struct balloon_block *b;

	if (!balloon.nr_huge)
		return false;
	b = lowest(&balloon.lo_huge, true);
	BUG_ON(!b);
	if ((unsigned long)(b - balloon.blocks) >= below)
		return false;
	*pfn = bl_pop(&b->huge);
	b->pages -= BALLOON_HUGE_PAGES;
	balloon.nr_huge--;
	return true;
}

bool bal_take_page(unsigned long *pfn, unsigned long below)
{
	struct balloon_block *b = balloon.nr_small ? lowest(&balloon.lo_small, false) : NULL;
	unsigned long run;

	BUG_ON(balloon.nr_small && !b);
	if (!b || (unsigned long)(b - balloon.blocks) >= below) {
		if (!bal_take_run(&run, below))
			return false;
		bal_keep_pages(run, BALLOON_HUGE_PAGES);
		b = bal_block(run);
	}
	*pfn = bl_pop(&b->small);
	b->pages--;
	balloon.nr_small--;
	return true;
}

u64 bal_drop_block(unsigned long nr)
{
	struct balloon_block *b = &balloon.blocks[nr];
	u64 pages = b->pages;

	balloon.nr_small -= b->small.nr;
	balloon.nr_huge -= b->huge.nr;
	memset(b, 0, sizeof(*b));
	b->small.head = b->huge.head = BALLOON_NO_PFN;
	return pages;
}
