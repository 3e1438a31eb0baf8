/*
 * The buddy allocator (Linux mm/page_alloc.c, one zone, no per-cpu lists).
 *
 * Free blocks of 2^order pages, naturally aligned, sit on free_list
 * area[order], linked through their head pages by pfn. Freeing merges a block
 * with its buddy (pfn ^ 2^order) while the buddy is a free head of the same
 * order, so free memory is always fully merged. A block of MAX_ORDER never
 * crosses a section (BUILD_BUG_ON below), so a buddy's struct page is always
 * mapped and isolation can work per section: free blocks of an isolated
 * section live on iso[] lists, which alloc_pages never looks at.
 */
#include <ballast/page_reporting.h>
#include "internal.h"

struct mm_state mm;
bool page_poisoning = BALLAST_DEBUG;

BUILD_BUG_ON(sizeof(struct page) > 16);
BUILD_BUG_ON((SECTION_SIZE_MB & (SECTION_SIZE_MB - 1)) != 0);
BUILD_BUG_ON(MAX_ORDER_NR_PAGES > PAGES_PER_SECTION);
BUILD_BUG_ON(SECTION_MEMMAP_BYTES % PAGE_SIZE != 0);

bool mm_ready(void)
{
	return mm.ready;
}

static struct free_list *list_of(unsigned long pfn, unsigned int order)
{
	return pfn_section(pfn)->isolated ? &mm.iso[order] : &mm.area[order];
}

/*
 * The list operations are on the hot path of every alloc and free: the
 * plain ones know nothing of reporting beyond keeping `tail` (a store on a
 * branch they take anyway); the reported run has its own, out of line.
 */
#define __hot_inline inline __attribute__((always_inline))

/* A reported block joins the reported run at the tail (see struct free_list). */
static __attribute__((noinline)) void fl_add_tail(struct free_list *fl,
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

/* An unreported block at the head. */
static __hot_inline void fl_add_head(struct free_list *fl, unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	p->lru.prev = PFN_NONE;
	p->lru.next = fl->head;
	if (fl->head != PFN_NONE)
		pfn_to_page(fl->head)->lru.prev = (u32)pfn;
	else
		fl->tail = (u32)pfn;
	fl->head = (u32)pfn;
	fl->nr++;
}

/* Any block: PG_reported (set or not) says where it goes. */
static void fl_add(struct free_list *fl, unsigned long pfn)
{
	if (pfn_to_page(pfn)->flags & PG_reported)
		fl_add_tail(fl, pfn);
	else
		fl_add_head(fl, pfn);
}

/* An unreported block off its list. */
static void fl_del(struct free_list *fl, unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);

	if (p->lru.prev != PFN_NONE)
		pfn_to_page(p->lru.prev)->lru.next = p->lru.next;
	else
		fl->head = p->lru.next;
	if (p->lru.next != PFN_NONE)
		pfn_to_page(p->lru.next)->lru.prev = p->lru.prev;
	else
		fl->tail = p->lru.prev;
	p->lru.next = p->lru.prev = PFN_NONE;
	BUG_ON(fl->nr == 0);
	fl->nr--;
}

/* A reported block off its list; PG_reported stays for the caller to clear. */
static __attribute__((noinline)) void fl_del_reported(struct free_list *fl,
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

static void count_free(unsigned long pfn, long n)
{
	if (pfn_section(pfn)->isolated)
		mm.isolated_free += n;
	else
		mm.free += n;
}

static void poison_pages(unsigned long pfn, unsigned long n)
{
	if (page_poisoning)
		memset(phys_to_virt(PFN_PHYS(pfn)), PAGE_POISON, n * PAGE_SIZE);
}

static void check_poison(unsigned long pfn, unsigned long n)
{
	if (!page_poisoning)
		return;
	const u64 pat = 0x0101010101010101ULL * PAGE_POISON;
	const u64 *w = phys_to_virt(PFN_PHYS(pfn));
	unsigned long words = n * PAGE_SIZE / sizeof(u64);

	for (unsigned long i = 0; i < words; i++) {
		if (unlikely(w[i] != pat))
			panic("page poison overwritten: pfn %#lx offset %#lx: %#llx",
			      pfn + i * 8 / PAGE_SIZE,
			      (unsigned long)(i * 8 % PAGE_SIZE),
			      (unsigned long long)w[i]);
	}
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
 * A block leaves the reported state while it stays free (a merge with an
 * unreported buddy, a split, a reclaim, the device going away). Its pages
 * may read as zeros now (the host dropped them, or Xen gave new frames):
 * with page poisoning they get the poison again, so that the check on
 * allocation holds. Only then: writing to a page the host dropped makes it
 * fault back in, which is what it being unreported means anyway.
 */
static void unreport_contents(unsigned long pfn, unsigned int order)
{
	poison_pages(pfn, 1UL << order);
}

/*
 * [pfn, pfn + 2^order), PGTY_FREE pages already counted free, joins the
 * free lists, merged with its free buddies. rep: the block is reported.
 * The result is reported only when every part was; a reported and an
 * unreported buddy merge into an unreported block, except with a device
 * that reclaims (Xen): there the reported part has no backing, so the two
 * stay apart until the unreported one is reported too (the reporter comes
 * by within REPORTING_DELAY_NS) rather than the free path calling the
 * hypervisor. Returns whether the block it ended in is reported.
 */
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

/* May the block (reported: rep) merge with its free buddy b? */
static bool merge_mixed(unsigned long pfn, unsigned long bpfn,
			unsigned int order, bool *rep)
{
	if (page_reporting_apart)
		return false;
	unreport_contents(*rep ? pfn : bpfn, order);
	*rep = false;
	return true;
}

static bool merge_insert(unsigned long pfn, unsigned int order, bool rep)
{
	struct page *p;

	while (order < MAX_ORDER) {
		unsigned long bpfn = pfn ^ (1UL << order);
		struct page *b = pfn_to_page(bpfn);

		if (b->type != PGTY_BUDDY || b->order != order)
			break;
		if (unlikely(b->flags & PG_reported)) {
			if (!rep && !merge_mixed(pfn, bpfn, order, &rep))
				break;
			fl_del_reported(list_of(bpfn, order), bpfn);
			b->flags = 0;
		} else {
			if (unlikely(rep) && !merge_mixed(pfn, bpfn, order, &rep))
				break;
			fl_del(list_of(bpfn, order), bpfn);
		}
		b->type = PGTY_FREE;
		b->order = 0;
		pfn &= ~(1UL << order);
		order++;
	}
	/* Its flags are 0: a freed head's, or a merged buddy's, cleared. */
	p = pfn_to_page(pfn);
	p->type = PGTY_BUDDY;
	p->order = (u8)order;
	if (unlikely(rep))
		p->flags = PG_reported;
	fl_add(list_of(pfn, order), pfn);
	/* O(1): a flag, and a deferred call armed only when none is. */
	if (unlikely(page_reporting_on) && order >= REPORTING_ORDER && !rep)
		page_reporting_notify_free();
	return rep;
}

/*
 * Put [pfn, pfn + 2^order) on the free lists, merging with free buddies.
 * The pages must be in a present section and on no list; their previous
 * state is overwritten. Counts them as free (or isolated-free).
 */
void buddy_free_block(unsigned long pfn, unsigned int order)
{
	unsigned long n = 1UL << order;
	struct page *p = pfn_to_page(pfn);

	BUG_ON(order > MAX_ORDER || (pfn & (n - 1)));
	reset_pages(p, n, PGTY_FREE);
	poison_pages(pfn, n);
	count_free(pfn, (long)n);
	/* merge_insert(pfn, order, false), written out for the hot path. */
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

/* Free [pfn, end) in the largest naturally aligned blocks that fit. */
void buddy_free_range(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int order = 0;

		while (order < MAX_ORDER && !(pfn & (1UL << order)) &&
		       pfn + (2UL << order) <= end)
			order++;
		buddy_free_block(pfn, order);
		pfn += 1UL << order;
	}
}

/*
 * Free page reporting: the free block at pfn (unreported, order >=
 * REPORTING_ORDER, in a section not isolated) goes out for a report:
 * off the free lists, neither free nor allocated (PGTY_REPORTING head).
 * Out pages still count as the guest's free memory in mm_get_stats.
 */
void buddy_report_take(unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;

	BUG_ON(p->type != PGTY_BUDDY || (p->flags & PG_reported) ||
	       p->order < REPORTING_ORDER || pfn_section(pfn)->isolated);
	fl_del(&mm.area[p->order], pfn);
	p->type = PGTY_REPORTING;
	mm.free -= n;
	mm.reporting += n;
}

/* A block out for a report comes back, reported or not; merged as freed. */
bool buddy_report_return(unsigned long pfn, bool reported)
{
	struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;

	BUG_ON(p->type != PGTY_REPORTING || mm.reporting < n);
	p->type = PGTY_FREE;
	p->flags = 0;
	mm.reporting -= n;
	count_free(pfn, (long)n);
	return merge_insert(pfn, p->order, reported);
}

/*
 * The reported free block at pfn becomes a plain free block (the device is
 * going away, or its section goes offline; reclaimed first by the caller
 * where the device needs it).
 */
void buddy_unreport_block(unsigned long pfn)
{
	struct page *p = pfn_to_page(pfn);
	unsigned int order = p->order;

	BUG_ON(!PageReported(p));
	fl_del_reported(list_of(pfn, order), pfn);
	p->type = PGTY_FREE;
	p->flags = 0;
	unreport_contents(pfn, order);
	merge_insert(pfn, order, false);
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
	s->isolated = to_iso;
}

/* Nothing is allocated from an isolated section; frees into it stay there. */
void buddy_isolate_section(unsigned long nr)
{
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

static struct page *take_block(unsigned long pfn, unsigned int order,
			       bool reported)
{
	if (!reported)
		check_poison(pfn, 1UL << order);
	return make_allocated(pfn, order);
}

/*
 * A half of a reported block split for an allocation. Without reclaim
 * (virtio) the half is still dropped on the host: at REPORTING_ORDER and up
 * it stays reported (reporting it again would tell the host nothing new).
 * Below that it cannot carry the flag and becomes plain free memory. With
 * reclaim (Xen) the whole block was reclaimed first, so every half is
 * backed and unreported.
 */
static void split_reported_half(struct page *b, unsigned long pfn,
				unsigned int order)
{
	if (!page_reporting_apart && order >= REPORTING_ORDER)
		b->flags = PG_reported;
	else
		unreport_contents(pfn, order);
}

/*
 * Split the free block head/o (off the lists) down to its part
 * [pfn, pfn + 2^order); the other halves go back on the free lists.
 */
static void expand(unsigned long head, unsigned int o, unsigned long pfn,
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

/*
 * A reported block on list o, made usable: reclaimed when the device needs
 * it (Xen), off the list, no longer reported. It is out of the allocator
 * (PGTY_REPORTING) while the device reclaims it, in case reclaim allocates
 * (page tables). 0, or the reclaim's error: the block is then out still,
 * chained on *failed through lru.next for the caller to put back.
 */
static int claim_reported(unsigned long pfn, u32 *failed)
{
	struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;
	int ret;

	fl_del_reported(&mm.area[p->order], pfn);
	p->flags = 0;
	p->type = PGTY_REPORTING;
	mm.free -= n;
	mm.reporting += n;
	ret = page_reporting_reclaim(pfn, p->order);
	if (ret) {
		p->lru.next = *failed;
		*failed = (u32)pfn;
		return ret;
	}
	p->type = PGTY_BUDDY;
	mm.reporting -= n;
	mm.free += n;
	return 0;
}

static void put_back_failed(u32 failed)
{
	while (failed != PFN_NONE) {
		u32 next = pfn_to_page(failed)->lru.next;

		pfn_to_page(failed)->lru.next = PFN_NONE;
		buddy_report_return(failed, true);
		failed = next;
	}
}

/*
 * The first free list at order or above has only reported blocks: take
 * the first block, unreported or reported, whose reclaim succeeds (each
 * block reclaimed once, whole); NULL when none is left.
 */
static struct page *alloc_reported(unsigned int o, unsigned int order)
{
	u32 failed = PFN_NONE;
	struct page *page = NULL;

	for (; o <= MAX_ORDER && !page; o++) {
		unsigned long pfn;

		while ((pfn = mm.area[o].head) != PFN_NONE) {
			bool rep = pfn_to_page(pfn)->flags & PG_reported;

			if (rep && claim_reported(pfn, &failed))
				continue;
			if (!rep)
				fl_del(&mm.area[o], pfn);
			expand(pfn, o, pfn, order, rep);
			page = take_block(pfn, order, rep);
			break;
		}
	}
	put_back_failed(failed);
	return page;
}

struct page *alloc_pages(unsigned int order)
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
	if (!free_block_of(pfn, &head, &o) || o < order)
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

static void check_alloc_head(const struct page *page)
{
	if (page->type != PGTY_ALLOC || !(page->flags & PG_head) ||
	    page->refcount == 0)
		panic("bad page freed: pfn %#lx type %s flags %#x refcount %u",
		      page_to_pfn(page), page_type_name(page), page->flags,
		      page->refcount);
}

static void release_block(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (page->flags & PG_pgtable)
		mm.pgtable--;
	buddy_free_block(pfn, page->order);
}

void free_pages(struct page *page, unsigned int order)
{
	check_alloc_head(page);
	if (page->order != order)
		panic("free_pages: pfn %#lx allocated with order %u, freed with %u",
		      page_to_pfn(page), page->order, order);
	if (--page->refcount == 0)
		release_block(page);
}

void get_page(struct page *page)
{
	check_alloc_head(page);
	page->refcount++;
}

void put_page(struct page *page)
{
	check_alloc_head(page);
	if (--page->refcount == 0)
		release_block(page);
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
	default:
		return "?";
	}
}

/* arch_pgtable_alloc once the buddy allocator runs: a zeroed page. */
phys_addr_t buddy_pgtable_alloc(void)
{
	struct page *p = alloc_pages(0);

	if (!p)
		return 0;
	p->flags |= PG_pgtable;
	mm.pgtable++;
	memset(page_address(p), 0, PAGE_SIZE);
	return page_to_phys(p);
}

/* arch_pgtable_free: only pages buddy_pgtable_alloc handed out go back. */
void buddy_pgtable_free(phys_addr_t table)
{
	unsigned long pfn = PFN_DOWN(table);

	if (!mm.ready || pfn_to_section_nr(pfn) >= mm.nr_sections ||
	    pfn_section(pfn)->state != SECTION_ONLINE)
		return;
	struct page *p = pfn_to_page(pfn);

	if (p->type != PGTY_ALLOC || !(p->flags & PG_pgtable) || p->order != 0)
		return;
	free_pages(p, 0);
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
	st->free = mm.free + mm.reporting;
	st->isolated_free = mm.isolated_free;
	st->reserved = mm.reserved;
	st->page_offline = mm.page_offline;
	st->memmap = mm.memmap;
	st->memmap_on_memory = mm.memmap_on_memory;
	st->pgtable = mm.pgtable;
	st->boot_alloc = mm.boot_alloc;
	for (int o = 0; o < NR_ORDERS; o++)
		st->free_blocks[o] = mm.area[o].nr;
	st->nr_sections_present = mm.nr_present_sections;
	st->nr_sections_online = mm.nr_online_sections;
}
