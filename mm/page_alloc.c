/*
 * The buddy allocator (Linux mm/page_alloc.c, one zone; the order-0 cache
 * in front of it, Linux's per-cpu lists, is pcp.c).
 *
 * Free blocks of 2^order pages, naturally aligned, sit on free_list
 * area[order], linked through their head pages by pfn. Freeing merges a block
 * with its buddy (pfn ^ 2^order) while the buddy is a free head of the same
 * order, so free memory is always fully merged. A block of MAX_ORDER never
 * crosses a section (BUILD_BUG_ON below), so a buddy's struct page is always
 * mapped and isolation can work per section: free blocks of an isolated
 * section live on iso[] lists, which alloc_pages never looks at.
 *
 * This file is the hot path (alloc_pages, free_pages, buddy_free_block)
 * and the list moves that share its helpers (buddy.h); the reported
 * blocks' side is page_reported.c, PageOffline for drivers page_offline.c,
 * page-table pages pgtable_alloc.c, the read-only queries mm_info.c.
 */
#include "pcp.h"

struct mm_state mm;
bool page_poisoning = BALLAST_DEBUG;

BUILD_BUG_ON(sizeof(struct page) > 16);
BUILD_BUG_ON((SECTION_SIZE_MB & (SECTION_SIZE_MB - 1)) != 0);
BUILD_BUG_ON(MAX_ORDER_NR_PAGES > PAGES_PER_SECTION);
BUILD_BUG_ON(SECTION_MEMMAP_BYTES % PAGE_SIZE != 0);

/* A reported block joins the reported run at the tail (see struct free_list). */
__attribute__((noinline)) void fl_add_tail(struct free_list *fl,
					   unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	p->lru.next = PFN_NONE;
	p->lru.prev = fl->tail;
	if (fl->tail != PFN_NONE)
		pfn_to_page(fl->tail)->lru.next = (u32)pfn;
	else
		fl->head = (u32)pfn;
	fl->tail = (u32)pfn;
	if (fl->rep == PFN_NONE)
		fl->rep = (u32)pfn;
	fl->nr++;
	mm.reported += 1UL << p->order;
}

__attribute__((noinline)) void fl_del_reported(struct free_list *fl,
					       unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	if (fl->rep == pfn)
		fl->rep = p->lru.next;
	mm.reported -= 1UL << p->order;
	fl_del(fl, pfn);
}

/* Any block off its list (the paths that are not hot). */
static void fl_del_any(struct free_list *fl, unsigned long pfn)
{
	if (pfn_to_page(pfn)->flags & PG_reported)
		fl_del_reported(fl, pfn);
	else
		fl_del(fl, pfn);
}

/* n pages from p become `type`, with no order, flags, references or owner data. */
void reset_pages(struct page *p, unsigned long n, u8 type)
{
	for (unsigned long i = 0; i < n; i++) {
		p[i].type = type;
		p[i].order = 0;
		p[i].flags = 0;
		p[i].refcount = 0;
		p[i].private = 0;
	}
}

/*
 * A freed (unreported) block meets a reported free buddy: it takes the
 * buddy off its list to merge (unreported), or says no (kept apart).
 */
static __attribute__((noinline)) bool
merge_reported_buddy(unsigned long pfn, unsigned long bpfn, unsigned int order)
{
	if (page_reporting_apart)
		return false;
	unreport_contents(bpfn, order);
	fl_del_reported(list_of(bpfn, order), bpfn);
	pfn_to_page(bpfn)->flags = 0;
	return true;
}

/*
 * [pfn, pfn + 2^order), PGTY_FREE and counted, joins the free lists merged
 * with its free buddies: merge_insert(pfn, order, false) of page_reported.c
 * written out for the hot path.
 */
static __hot_inline void insert_free(unsigned long pfn, unsigned int order)
{
	struct page *p;

	while (order < MAX_ORDER) {
		unsigned long bpfn = pfn ^ (1UL << order);
		struct page *b = pfn_to_page(bpfn);

		if (b->type != PGTY_BUDDY || b->order != order)
			break;
		if (unlikely(b->flags & PG_reported)) {
			if (!merge_reported_buddy(pfn, bpfn, order))
				break;
		} else {
			fl_del(list_of(bpfn, order), bpfn);
		}
		b->type = PGTY_FREE;
		b->order = 0;
		pfn &= ~(1UL << order);
		order++;
	}
	p = pfn_to_page(pfn);
	p->type = PGTY_BUDDY;
	p->order = (u8)order;
	fl_add_head(list_of(pfn, order), pfn);
	if (unlikely(order >= page_reporting_min_order))
		page_reporting_notify_free();
}

void buddy_insert_free(unsigned long pfn, unsigned int order)
{
	insert_free(pfn, order);
}

/*
 * Put [pfn, pfn + 2^order) on the free lists, merging with free buddies.
 * The pages must be in a present section and on no list; their previous
 * state is overwritten. Counts them as free (or isolated-free).
 */
void buddy_free_block(unsigned long pfn, unsigned int order)
{
	unsigned long n = 1UL << order;

	BUG_ON(order > MAX_ORDER || (pfn & (n - 1)));
	reset_pages(pfn_to_page(pfn), n, PGTY_FREE);
	poison_pages(pfn, n);
	count_free(pfn, (long)n);
	insert_free(pfn, order);
}

/* Free [pfn, end) in the largest naturally aligned blocks that fit. */
void buddy_free_range(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int order = max_order_at(pfn, end);

		buddy_free_block(pfn, order);
		pfn += 1UL << order;
	}
}

/* Take a free block (its head) off its list for good (offlining). */
void buddy_take_free_block(struct page *head)
{
	unsigned long pfn = page_to_pfn(head);
	unsigned int order = head->order;

	BUG_ON(head->type != PGTY_BUDDY);
	fl_del_any(list_of(pfn, order), pfn);
	count_free(pfn, -(long)(1L << order));
	head->type = PGTY_FREE;
	head->order = 0;
	head->flags = 0;
}

static void move_section_blocks(unsigned long nr, bool to_iso)
{
	unsigned long pfn = section_nr_to_pfn(nr), end = pfn + PAGES_PER_SECTION;
	struct mm_section *s = &mm.sections[nr];

	BUG_ON(s->isolated == to_iso);
	while (pfn < end) {
		struct page *p = pfn_to_page(pfn);

		if (p->type != PGTY_BUDDY) {
			pfn++;
			continue;
		}
		unsigned long n = 1UL << p->order;

		fl_del_any(to_iso ? &mm.area[p->order] : &mm.iso[p->order], pfn);
		fl_add(to_iso ? &mm.iso[p->order] : &mm.area[p->order], pfn);
		if (to_iso) {
			mm.free -= n;
			mm.isolated_free += n;
		} else {
			mm.free += n;
			mm.isolated_free -= n;
		}
		pfn += n;
	}
	section_set_isolated(s, to_iso);
}

/*
 * Nothing is allocated from an isolated section; frees into it stay there
 * (past the order-0 cache, which gives back the section's pages first).
 */
void buddy_isolate_section(unsigned long nr)
{
	pcp_drain_range(section_nr_to_pfn(nr), section_nr_to_pfn(nr + 1));
	move_section_blocks(nr, true);
}

void buddy_unisolate_section(unsigned long nr)
{
	move_section_blocks(nr, false);
}

/*
 * [pfn, pfn + 2^order), off the free lists already, becomes allocated.
 * reported: it was part of a reported block, whose contents the host may
 * have dropped (zeros): no poison check (the pages were never written
 * while reported, so there is nothing to catch).
 */
static struct page *make_allocated(unsigned long pfn, unsigned int order)
{
	unsigned long n = 1UL << order;
	struct page *p = pfn_to_page(pfn);

	mm.free -= n;
	reset_pages(p, n, PGTY_ALLOC);
	p->order = (u8)order;
	p->flags = PG_head;
	p->refcount = 1;
	return p;
}

struct page *take_block(unsigned long pfn, unsigned int order, bool reported)
{
	if (!reported)
		check_poison(pfn, 1UL << order);
	return make_allocated(pfn, order);
}

/*
 * Split the free block head/o (off the lists) down to its part
 * [pfn, pfn + 2^order); the other halves go back on the free lists.
 */
void expand(unsigned long head, unsigned int o, unsigned long pfn,
	    unsigned int order, bool reported)
{
	while (o > order) {
		unsigned long half;
		struct page *b;

		o--;
		half = pfn < head + (1UL << o) ? head + (1UL << o) : head;
		if (half == head)
			head += 1UL << o;
		b = pfn_to_page(half);
		b->type = PGTY_BUDDY;
		b->order = (u8)o;
		if (unlikely(reported))
			split_reported_half(b, half, o);
		fl_add(&mm.area[o], half);
	}
}

/* The buddy lists themselves (no order-0 cache). */
static struct page *buddy_alloc(unsigned int order)
{
	unsigned int o;

	if (!mm.ready || order > MAX_ORDER)
		return NULL;
	for (o = order; o <= MAX_ORDER; o++)
		if (mm.area[o].head != PFN_NONE)
			break;
	if (o > MAX_ORDER)
		return NULL;

	unsigned long pfn = mm.area[o].head;

	/* The head is reported only when the whole list is. */
	if (unlikely(mm.area[o].rep == pfn))
		return alloc_reported(o, order);
	fl_del(&mm.area[o], pfn);
	while (o > order) { /* split: the upper halves go back */
		o--;
		unsigned long bpfn = pfn + (1UL << o);
		struct page *b = pfn_to_page(bpfn);

		b->type = PGTY_BUDDY;
		b->order = (u8)o;
		fl_add_head(&mm.area[o], bpfn);
	}
	check_poison(pfn, 1UL << order);
	return make_allocated(pfn, order);
}

/* The order-0 cache was empty, or order > 0. */
static __attribute__((noinline)) struct page *alloc_pages_slow(unsigned int order)
{
	struct page *p;

	if (order == 0 && pcp_refill())
		return pcp_pop();
	p = buddy_alloc(order);
	/* Cached pages may be what keeps a block from merging. */
	if (unlikely(!p) && mm.pcp.count) {
		drain_all_pages();
		p = buddy_alloc(order);
	}
	return p;
}

struct page *alloc_pages(unsigned int order)
{
	if (likely(order == 0) && likely(mm.pcp.count))
		return pcp_pop();
	return alloc_pages_slow(order);
}

/* The free block (head pfn, order) that holds pfn, or false. */
static bool free_block_of(unsigned long pfn, unsigned long *head,
			  unsigned int *order)
{
	for (unsigned int k = 0; k <= MAX_ORDER; k++) {
		unsigned long h = pfn & ~((1UL << k) - 1);
		const struct page *p = pfn_to_page(h);

		if (pfn_section(h)->state != SECTION_ONLINE)
			return false;
		if (p->type == PGTY_BUDDY) {
			if (h + (1UL << p->order) <= pfn)
				return false;
			*head = h;
			*order = p->order;
			return true;
		}
		if (p->type != PGTY_FREE)
			return false;
	}
	return false;
}

/*
 * Allocate exactly [pfn, pfn + 2^order) when all of it is free (a driver
 * emptying one memory block). The buddy allocator merges every free pair,
 * so a free range lies inside one free block: take that block and give the
 * halves around the range back. A block of it out for a report is waited
 * for (page_reporting_drain) rather than failing at random; a reported
 * block is reclaimed (whole) first where the device needs it. (With a
 * reclaiming device a reported and an unreported buddy are kept apart for
 * a while, so an order above REPORTING_ORDER across both fails until the
 * reporter has been by.)
 */
struct page *alloc_pages_at(unsigned long pfn, unsigned int order)
{
	unsigned long n = 1UL << order, head;
	unsigned int o;
	u32 failed = PFN_NONE;
	bool rep;

	if (!mm.ready || order > MAX_ORDER || (pfn & (n - 1)) ||
	    pfn_to_section_nr(pfn) >= mm.nr_sections ||
	    pfn_section(pfn)->state != SECTION_ONLINE ||
	    pfn_section(pfn)->isolated)
		return NULL;
	if (unlikely(mm.reporting) && page_reporting_drain(pfn, pfn + n))
		return NULL;
	if (pfn_to_page(pfn)->type == PGTY_PCP && !order)
		return pcp_take(pfn);
	/*
	 * A cached page in a larger range: back to the buddy, and once more.
	 * (Not for order 0: that page is not cached, and the balloon probes
	 * every pfn of a block this way, the busy ones too.)
	 */
	if ((!free_block_of(pfn, &head, &o) || o < order) &&
	    (!order || !mm.pcp.count || !pcp_drain_range(pfn, pfn + n) ||
	     !free_block_of(pfn, &head, &o) || o < order))
		return NULL;
	rep = pfn_to_page(head)->flags & PG_reported;
	if (rep && claim_reported(head, &failed)) {
		put_back_failed(failed);
		return NULL;
	}
	if (!rep)
		fl_del(&mm.area[o], head);
	expand(head, o, pfn, order, rep);
	return take_block(pfn, order, rep);
}

static void release_block(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (page->flags & PG_pgtable)
		mm.pgtable--;
	if (likely(page->order == 0))
		pcp_push(page);
	else
		buddy_free_block(pfn, page->order);
}

/*
 * The common free in one compare: an order-0 page as alloc_pages handed
 * it out (refcount 1, PG_head and nothing else), its last reference going.
 */
static __hot_inline bool last_order0_ref(const struct page *page)
{
	return page_state_word(page) == page_state_word(&alloc0_page);
}

static __attribute__((noinline)) void free_pages_slow(struct page *page,
						      unsigned int order)
{
	check_alloc_head(page);
	if (page->order != order)
		panic("free_pages: pfn %#lx allocated with order %u, freed with %u",
		      page_to_pfn(page), page->order, order);
	if (--page->refcount == 0)
		release_block(page);
}

void free_pages(struct page *page, unsigned int order)
{
	if (likely(last_order0_ref(page)) && likely(order == 0))
		pcp_push(page);
	else
		free_pages_slow(page, order);
}

void get_page(struct page *page)
{
	check_alloc_head(page);
	page->refcount++;
}

void put_page(struct page *page)
{
	if (likely(last_order0_ref(page))) {
		pcp_push(page);
		return;
	}
	check_alloc_head(page);
	if (--page->refcount == 0)
		release_block(page);
}

/*
 * The lowest free block wholly below limit_pfn, or NULL. For data that
 * must outlive any hot-added block (the PV P2M's top array and frame
 * lists): allocated in a block that may be removed, it would keep that
 * block, and the blocks whose page tables that one holds, from ever being
 * emptied. The lowest, so that it lands where such data went at boot and
 * the layout after a grow/shrink cycle is the boot one (`lsmem` shows
 * block 1 removable again). Rare callers: the walk is as long as the lists.
 */
struct page *alloc_pages_below(unsigned int order, unsigned long limit_pfn)
{
	unsigned long best = limit_pfn;
	bool cached = false;

	if (!mm.ready || order > MAX_ORDER)
		return NULL;
	for (unsigned int i = 0; !order && i < mm.pcp.count; i++)
		if (mm.pcp.pfn[i] < best) {
			best = mm.pcp.pfn[i];
			cached = true;
		}
	for (unsigned int o = order; o <= MAX_ORDER; o++)
		for (u32 pfn = mm.area[o].head; pfn != PFN_NONE;
		     pfn = pfn_to_page(pfn)->lru.next)
			if (pfn < best && pfn + (1UL << order) <= limit_pfn) {
				best = pfn;
				cached = false;
			}
	if (best >= limit_pfn)
		return NULL;
	return cached ? pcp_take(best) : alloc_pages_at(best, order);
}

void *alloc_pages_virt_below(unsigned int order, unsigned long limit_pfn)
{
	struct page *p = alloc_pages_below(order, limit_pfn);

	return p ? page_address(p) : NULL;
}

void *alloc_pages_virt(unsigned int order)
{
	struct page *p = alloc_pages(order);

	return p ? page_address(p) : NULL;
}

void free_pages_virt(void *addr, unsigned int order)
{
	free_pages(virt_to_page(addr), order);
}
