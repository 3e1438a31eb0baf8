/*
 * mm_check_consistency: one full walk over every present page, every free
 * list and every counter. Used by the unit tests (the model test calls it
 * periodically) and by the `meminfo -c` shell command.
 */
#include <ballast/page_reporting.h>
#include "internal.h"

#define FAIL(...)                                                  \
	do {                                                       \
		pr_err("mm check: " __VA_ARGS__);                  \
		return -EIO;                                       \
	} while (0)

/*
 * Free page reporting's order in a list: unreported blocks, then from
 * fl->rep to the tail the reported ones (orders >= REPORTING_ORDER only).
 */
static int check_list_reported(const struct free_list *fl, unsigned int order,
			       u32 pfn, bool *in_rep, u64 *rep)
{
	const struct page *p = pfn_to_page(pfn);
	bool r = p->flags & PG_reported;

	if (pfn == fl->rep)
		*in_rep = true;
	if (r && order < REPORTING_ORDER)
		FAIL("order %u list: pfn %#x reported below order %u\n", order,
		     pfn, REPORTING_ORDER);
	if (r != *in_rep)
		FAIL("order %u list: pfn %#x is %sreported but %s the reported run (from %#x)\n",
		     order, pfn, r ? "" : "not ", *in_rep ? "in" : "before", fl->rep);
	if (r)
		*rep += 1UL << order;
	return 0;
}

static int check_list(struct free_list *fl, unsigned int order, bool iso,
		      u64 *pages, u64 *rep)
{
	u64 n = 0;
	u32 prev = PFN_NONE;
	bool in_rep = false;

	for (u32 pfn = fl->head; pfn != PFN_NONE;) {
		if (pfn >= section_nr_to_pfn(mm.nr_sections))
			FAIL("%s list %u: pfn %#x out of range\n", iso ? "iso" : "free", order, pfn);
		struct mm_section *s = pfn_section(pfn);

		if (s->state != SECTION_ONLINE)
			FAIL("order %u list: pfn %#x in a section that is not online\n", order, pfn);
		const struct page *p = pfn_to_page(pfn);

		if (p->type != PGTY_BUDDY || p->order != order)
			FAIL("order %u list: pfn %#x is %s order %u\n", order, pfn,
			     page_type_name(p), p->order);
		if (!!s->isolated != iso)
			FAIL("order %u list: pfn %#x on the %s list, section isolated=%u\n",
			     order, pfn, iso ? "isolated" : "normal", s->isolated);
		if (p->lru.prev != prev)
			FAIL("order %u list: pfn %#x prev %#x, expected %#x\n", order,
			     pfn, p->lru.prev, prev);
		if (check_list_reported(fl, order, pfn, &in_rep, rep))
			return -EIO;
		if (++n > fl->nr)
			FAIL("order %u list longer than its count %llu\n", order,
			     (unsigned long long)fl->nr);
		prev = pfn;
		pfn = p->lru.next;
	}
	if (n != fl->nr)
		FAIL("order %u %s list has %llu blocks, count says %llu\n", order,
		     iso ? "isolated" : "free", (unsigned long long)n,
		     (unsigned long long)fl->nr);
	if (fl->tail != prev)
		FAIL("order %u %s list ends at %#x, tail says %#x\n", order,
		     iso ? "isolated" : "free", prev, fl->tail);
	if (fl->rep != PFN_NONE && !in_rep)
		FAIL("order %u %s list: reported run at %#x not on the list\n",
		     order, iso ? "isolated" : "free", fl->rep);
	*pages += n << order;
	return 0;
}

/* What one walk counts, to compare with mm's counters at the end. */
struct walk {
	u64 free, iso_free, alloc, poff, resv, online, offline, present,
	    memmap, mom, reported, reporting, pcp;
	u64 blocks[NR_ORDERS], iso_blocks[NR_ORDERS];
	u64 sresv, spresent; /* the section being walked */
};

/* A free block's head: its pages, or -EIO. */
static long check_free_block(unsigned long pfn, unsigned long i,
			     const struct mm_section *s, struct walk *w)
{
	const struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;

	if (p->order > MAX_ORDER || (pfn & (n - 1)) || i + n > PAGES_PER_SECTION)
		FAIL("pfn %#lx: bad free block order %u\n", pfn, p->order);
	for (unsigned long k = 1; k < n; k++)
		if (p[k].type != PGTY_FREE)
			FAIL("pfn %#lx: inside free block at %#lx but %s\n",
			     pfn + k, pfn, page_type_name(&p[k]));
	if (p->flags & ~PG_reported)
		FAIL("pfn %#lx: free block with flags %#x\n", pfn, p->flags);
	if (p->order < MAX_ORDER) {
		const struct page *b = pfn_to_page(pfn ^ n);
		/* A reclaiming device's reported block stays apart from an
		 * unreported buddy (page_reported.c merge_insert). */
		bool apart = page_reporting_apart &&
			     (b->flags & PG_reported) != (p->flags & PG_reported);

		if (b->type == PGTY_BUDDY && b->order == p->order && !apart)
			FAIL("pfn %#lx: free buddy %#lx of order %u not merged\n",
			     pfn, pfn ^ n, p->order);
	}
	if (p->flags & PG_reported)
		w->reported += n;
	w->spresent += n - 1;
	if (s->isolated) {
		w->iso_free += n;
		w->iso_blocks[p->order]++;
	} else {
		w->free += n;
		w->blocks[p->order]++;
	}
	return (long)n;
}

/* An allocated block's head: its pages, or -EIO. */
static long check_alloc_block(unsigned long pfn, unsigned long i,
			      struct walk *w)
{
	const struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;

	if (!(p->flags & PG_head) || !p->refcount)
		FAIL("pfn %#lx: allocated page outside a block (flags %#x refcount %u)\n",
		     pfn, p->flags, p->refcount);
	if (p->order > MAX_ORDER || (pfn & (n - 1)) || i + n > PAGES_PER_SECTION)
		FAIL("pfn %#lx: bad allocated block order %u\n", pfn, p->order);
	for (unsigned long k = 1; k < n; k++)
		if (p[k].type != PGTY_ALLOC || p[k].refcount ||
		    (p[k].flags & PG_head))
			FAIL("pfn %#lx: inside allocated block at %#lx but %s refcount %u\n",
			     pfn + k, pfn, page_type_name(&p[k]), p[k].refcount);
	w->spresent += n - 1;
	w->alloc += n;
	return (long)n;
}

/* A block out for a free page report: its pages, or -EIO. */
static long check_reporting_block(unsigned long pfn, unsigned long i,
				  const struct mm_section *s, struct walk *w)
{
	const struct page *p = pfn_to_page(pfn);
	unsigned long n = 1UL << p->order;

	if (p->order > MAX_ORDER || p->order < REPORTING_ORDER ||
	    (pfn & (n - 1)) || i + n > PAGES_PER_SECTION)
		FAIL("pfn %#lx: bad block order %u out for a report\n", pfn, p->order);
	if (s->isolated)
		FAIL("pfn %#lx: out for a report in an isolated section\n", pfn);
	for (unsigned long k = 1; k < n; k++)
		if (p[k].type != PGTY_FREE)
			FAIL("pfn %#lx: inside block %#lx out for a report but %s\n",
			     pfn + k, pfn, page_type_name(&p[k]));
	w->spresent += n - 1;
	w->reporting += n;
	return (long)n;
}

/* A page of the order-0 cache: blank but for its type, never isolated. */
static int check_pcp_page(unsigned long pfn, const struct mm_section *s,
			  struct walk *w)
{
	const struct page *p = pfn_to_page(pfn);

	if (p->order || p->flags || p->refcount || p->private)
		FAIL("pfn %#lx: cached page with order %u flags %#x refcount %u private %#llx\n",
		     pfn, p->order, p->flags, p->refcount,
		     (unsigned long long)p->private);
	if (s->isolated)
		FAIL("pfn %#lx: cached page in an isolated section\n", pfn);
	w->pcp++;
	return 0;
}

/* The cache's stack against the memmap: each entry a PGTY_PCP page, once. */
static int check_pcp(const struct walk *w)
{
	const struct per_cpu_pages *c = &mm.pcp;

	if (c->count > PCP_HIGH)
		FAIL("order-0 cache holds %u pages, at most %u\n", c->count, PCP_HIGH);
	for (unsigned int i = 0; i < c->count; i++) {
		u32 pfn = c->pfn[i];

		if (pfn >= section_nr_to_pfn(mm.nr_sections) ||
		    pfn_section(pfn)->state != SECTION_ONLINE ||
		    pfn_to_page(pfn)->type != PGTY_PCP)
			FAIL("order-0 cache slot %u: pfn %#x is not a cached page\n", i, pfn);
		for (unsigned int j = 0; j < i; j++)
			if (c->pfn[j] == pfn)
				FAIL("order-0 cache: pfn %#x in slots %u and %u\n", pfn, j, i);
	}
	if (w->pcp != c->count)
		FAIL("%llu cached pages in the memmap, the order-0 cache holds %u\n",
		     (unsigned long long)w->pcp, c->count);
	return 0;
}

/* A page of an offline section: reserved (hole, memmap) or PageOffline. */
static int check_offline_page(unsigned long pfn, unsigned long nr,
			      struct walk *w)
{
	const struct page *p = pfn_to_page(pfn);

	if (p->type == PGTY_RESERVED) {
		if (!(p->flags & (PG_hole | PG_vmemmap)))
			FAIL("pfn %#lx: reserved page in offline section %lu\n", pfn, nr);
		if (!(p->flags & PG_hole))
			w->sresv++;
	} else if (p->type != PGTY_OFFLINE || p->refcount) {
		FAIL("pfn %#lx: %s refcount %u in offline section %lu\n",
		     pfn, page_type_name(p), p->refcount, nr);
	}
	return 0;
}

/* One page (or block head) of an online section: pages it covers, or -EIO. */
static long check_online_page(unsigned long pfn, unsigned long i,
			      const struct mm_section *s, struct walk *w)
{
	const struct page *p = pfn_to_page(pfn);

	switch (p->type) {
	case PGTY_RESERVED:
		if (!(p->flags & PG_hole))
			w->sresv++;
		return 1;
	case PGTY_OFFLINE:
		w->poff++;
		return 1;
	case PGTY_FREE:
		FAIL("pfn %#lx: free page outside any free block\n", pfn);
	case PGTY_BUDDY:
		return check_free_block(pfn, i, s, w);
	case PGTY_ALLOC:
		return check_alloc_block(pfn, i, w);
	case PGTY_REPORTING:
		return check_reporting_block(pfn, i, s, w);
	case PGTY_PCP:
		return check_pcp_page(pfn, s, w) ? -EIO : 1;
	default:
		FAIL("pfn %#lx: bad type %u\n", pfn, p->type);
	}
}

static int check_section_header(unsigned long nr, const struct mm_section *s,
				struct walk *w)
{
	if (s->isolated && s->state != SECTION_ONLINE)
		FAIL("section %lu isolated but not online\n", nr);
	w->memmap += SECTION_MEMMAP_PAGES;
	if (s->memmap_src == MEMMAP_ON_MEMORY) {
		w->mom += SECTION_MEMMAP_PAGES;
		if (s->memmap_pfn != section_nr_to_pfn(nr))
			FAIL("section %lu memmap-on-memory at %#x\n", nr, s->memmap_pfn);
	}
	return 0;
}

/* Every page of a present section, then its own counters. */
static int check_section(unsigned long nr, struct walk *w)
{
	const struct mm_section *s = &mm.sections[nr];
	unsigned long base = section_nr_to_pfn(nr);

	if (check_section_header(nr, s, w))
		return -EIO;
	w->sresv = w->spresent = 0;
	for (unsigned long i = 0; i < PAGES_PER_SECTION;) {
		unsigned long pfn = base + i;
		const struct page *p = pfn_to_page(pfn);
		long n = 1;

		if (!(p->type == PGTY_RESERVED && (p->flags & PG_hole)))
			w->spresent++;
		if (s->memmap_src == MEMMAP_ON_MEMORY && i < SECTION_MEMMAP_PAGES &&
		    (p->type != PGTY_RESERVED || !(p->flags & PG_vmemmap)))
			FAIL("pfn %#lx: memmap-on-memory page is %s\n", pfn,
			     page_type_name(p));
		if (s->state == SECTION_OFFLINE) {
			if (check_offline_page(pfn, nr, w))
				return -EIO;
		} else if ((n = check_online_page(pfn, i, s, w)) < 0) {
			return -EIO;
		}
		i += (unsigned long)n;
	}
	if (w->spresent != s->present)
		FAIL("section %lu: %llu present pages, counted %u\n", nr,
		     (unsigned long long)w->spresent, s->present);
	if (w->sresv != s->reserved)
		FAIL("section %lu: %llu reserved pages, counted %u\n", nr,
		     (unsigned long long)w->sresv, s->reserved);
	w->present += s->present;
	if (s->state == SECTION_ONLINE) {
		w->online += s->present;
		w->resv += w->sresv;
	} else {
		w->offline += s->present;
	}
	return 0;
}

static int check_sections(struct walk *w)
{
	unsigned long present = 0, online = 0;

	for (unsigned long nr = 0; nr < mm.nr_sections; nr++) {
		const struct mm_section *s = &mm.sections[nr];

		if (s->state != SECTION_ABSENT) {
			present++;
			online += s->state == SECTION_ONLINE;
			if (check_section(nr, w))
				return -EIO;
		} else if (s->present || s->isolated || s->owner) {
			FAIL("absent section %lu has present=%u isolated=%u owner=%u\n",
			     nr, s->present, s->isolated, s->owner);
		}
		if (s->owner && (s->owner > MEMORY_OWNERS_MAX || !section_owner(s)))
			FAIL("section %lu: owner id %u is not registered\n", nr,
			     s->owner);
	}
	if (present != mm.nr_present_sections || online != mm.nr_online_sections)
		FAIL("%lu sections present, %lu online; counters say %lu, %lu\n",
		     present, online, mm.nr_present_sections, mm.nr_online_sections);
	return 0;
}

/* The free lists against what the walk found in the memmap. */
static int check_free_lists(const struct walk *w, u64 *lfree, u64 *liso,
			    u64 *lrep)
{
	for (unsigned int o = 0; o < NR_ORDERS; o++) {
		if (check_list(&mm.area[o], o, false, lfree, lrep) ||
		    check_list(&mm.iso[o], o, true, liso, lrep))
			return -EIO;
		if (w->blocks[o] != mm.area[o].nr || w->iso_blocks[o] != mm.iso[o].nr)
			FAIL("order %u: %llu+%llu free blocks in the memmap, lists say %llu+%llu\n",
			     o, (unsigned long long)w->blocks[o],
			     (unsigned long long)w->iso_blocks[o],
			     (unsigned long long)mm.area[o].nr,
			     (unsigned long long)mm.iso[o].nr);
	}
	return 0;
}

#define CMP(name, a, b)                                                          \
	do {                                                                      \
		if ((a) != (b))                                                   \
			FAIL("%s: counted %llu, counter %llu\n", name,            \
			     (unsigned long long)(a), (unsigned long long)(b));   \
	} while (0)

static int check_counters(const struct walk *w, u64 lfree, u64 liso,
			  u64 lrep)
{
	CMP("reported pages", w->reported, mm.reported);
	CMP("reported list pages", lrep, mm.reported);
	CMP("pages out for a report", w->reporting, mm.reporting);
	CMP("free pages (buddy and order-0 cache)", w->free + w->pcp, mm.free);
	CMP("free list pages and order-0 cache", lfree + mm.pcp.count, mm.free);
	CMP("isolated free pages", w->iso_free, mm.isolated_free);
	CMP("isolated list pages", liso, mm.isolated_free);
	CMP("managed pages", w->free + w->iso_free + w->alloc + w->reporting + w->pcp,
	    mm.managed);
	CMP("PageOffline pages", w->poff, mm.page_offline);
	CMP("reserved pages", w->resv, mm.reserved);
	CMP("online pages", w->online, mm.online);
	CMP("offline pages", w->offline, mm.offline);
	CMP("present pages", w->present, mm.present);
	CMP("memmap pages", w->memmap, mm.memmap);
	CMP("memmap-on-memory pages", w->mom, mm.memmap_on_memory);
	CMP("online = managed + PageOffline + reserved", w->online,
	    mm.managed + mm.page_offline + mm.reserved);
	return 0;
}
#undef CMP

int mm_check_consistency(void)
{
	struct walk w = { 0 };
	u64 lfree = 0, liso = 0, lrep = 0;

	if (!mm.ready)
		return 0;
	if (check_sections(&w) || check_free_lists(&w, &lfree, &liso, &lrep) ||
	    check_pcp(&w))
		return -EIO;
	return check_counters(&w, lfree, liso, lrep);
}
