/*
 * The free page reporting side of the buddy allocator: blocks going out
 * for a report and coming back, reported blocks becoming plain free memory
 * again, and allocating from a list that holds only reported blocks
 * (reclaimed first where the device needs it). Apart from page_alloc.c
 * because none of it is on the hot path: alloc_pages and buddy_free_block
 * only branch here (unlikely) when they meet a reported block. The
 * reporter itself, which decides what to report, is page_reporting.c.
 */
#include "buddy.h"

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

/*
 * A half of a reported block split for an allocation. Without reclaim
 * (virtio) the half is still dropped on the host: at REPORTING_ORDER and up
 * it stays reported (reporting it again would tell the host nothing new).
 * Below that it cannot carry the flag and becomes plain free memory. With
 * reclaim (Xen) the whole block was reclaimed first, so every half is
 * backed and unreported.
 */
void split_reported_half(struct page *b, unsigned long pfn, unsigned int order)
{
	if (!page_reporting_apart && order >= REPORTING_ORDER)
		b->flags = PG_reported;
	else
		unreport_contents(pfn, order);
}

/*
 * A reported block on list o, made usable: reclaimed when the device needs
 * it (Xen), off the list, no longer reported. It is out of the allocator
 * (PGTY_REPORTING) while the device reclaims it, in case reclaim allocates
 * (page tables). 0, or the reclaim's error: the block is then out still,
 * chained on *failed through lru.next for the caller to put back.
 */
int claim_reported(unsigned long pfn, u32 *failed)
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

void put_back_failed(u32 failed)
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
struct page *alloc_reported(unsigned int o, unsigned int order)
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
