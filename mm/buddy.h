/*
 * The buddy allocator's own helpers, shared by its translation units:
 * page_alloc.c (the hot path: alloc_pages, free_pages, buddy_free_block,
 * and everything else that moves blocks between lists) and
 * page_reported.c (the free page reporting side). The list primitives are
 * inline here so that the hot path, compiled in page_alloc.c, is what it
 * was in one file; the reported run's out-of-line ones live in
 * page_alloc.c. Only mm/page_*.c include this.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <ballast/page_reporting.h>
#include "internal.h"

static inline struct free_list *list_of(unsigned long pfn, unsigned int order)
{
	return pfn_section(pfn)->isolated ? &mm.iso[order] : &mm.area[order];
}

/*
 * The list operations are on the hot path of every alloc and free: the
 * plain ones know nothing of reporting beyond keeping `tail` (a store on a
 * branch they take anyway); the reported run has its own, out of line.
 */
#define __hot_inline inline __attribute__((always_inline))

/* page_alloc.c: the reported run's list operations (out of line). */
void fl_add_tail(struct free_list *fl, unsigned long pfn);
/* A reported block off its list; PG_reported stays for the caller to clear. */
void fl_del_reported(struct free_list *fl, unsigned long pfn);

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
static inline void fl_add(struct free_list *fl, unsigned long pfn)
{
	if (pfn_to_page(pfn)->flags & PG_reported)
		fl_add_tail(fl, pfn);
	else
		fl_add_head(fl, pfn);
}

/* An unreported block off its list. */
static inline void fl_del(struct free_list *fl, unsigned long pfn)
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

static inline void count_free(unsigned long pfn, long n)
{
	if (pfn_section(pfn)->isolated)
		mm.isolated_free += n;
	else
		mm.free += n;
}

static inline void poison_pages(unsigned long pfn, unsigned long n)
{
	if (page_poisoning)
		memset(phys_to_virt(PFN_PHYS(pfn)), PAGE_POISON, n * PAGE_SIZE);
}

static inline void check_poison(unsigned long pfn, unsigned long n)
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

/*
 * A block leaves the reported state while it stays free (a merge with an
 * unreported buddy, a split, a reclaim, the device going away). Its pages
 * may read as zeros now (the host dropped them, or Xen gave new frames):
 * with page poisoning they get the poison again, so that the check on
 * allocation holds. Only then: writing to a page the host dropped makes it
 * fault back in, which is what it being unreported means anyway.
 */
static inline void unreport_contents(unsigned long pfn, unsigned int order)
{
	poison_pages(pfn, 1UL << order);
}

static inline void check_alloc_head(const struct page *page)
{
	if (page->type != PGTY_ALLOC || !(page->flags & PG_head) ||
	    page->refcount == 0)
		panic("bad page freed: pfn %#lx type %s flags %#x refcount %u",
		      page_to_pfn(page), page_type_name(page), page->flags,
		      page->refcount);
}

/* page_alloc.c */
struct page *take_block(unsigned long pfn, unsigned int order, bool reported);
void expand(unsigned long head, unsigned int o, unsigned long pfn,
	    unsigned int order, bool reported);

/* page_reported.c */
void split_reported_half(struct page *b, unsigned long pfn, unsigned int order);
int claim_reported(unsigned long pfn, u32 *failed);
void put_back_failed(u32 failed);
struct page *alloc_reported(unsigned int o, unsigned int order);

#endif
