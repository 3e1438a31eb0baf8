/*
 * mm_check_consistency: one full walk over every present page, every free
 * list and every counter. Used by the unit tests (the model test calls it
 * periodically) and by the `meminfo -c` shell command.
 */
#include "internal.h"

#define FAIL(...)                                                  \
	do {                                                       \
		pr_err("mm check: " __VA_ARGS__);                  \
		return -EIO;                                       \
	} while (0)

static int check_list(struct free_list *fl, unsigned int order, bool iso,
		      u64 *pages)
{
	u64 n = 0;
	u32 prev = PFN_NONE;

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
	*pages += n << order;
	return 0;
}

int mm_check_consistency(void)
{
	u64 free = 0, iso_free = 0, alloc = 0, poff = 0, resv = 0, online = 0,
	    offline = 0, present = 0, memmap = 0, mom = 0;
	u64 blocks[NR_ORDERS] = { 0 }, iso_blocks[NR_ORDERS] = { 0 };

	if (!mm.ready)
		return 0;
	for (unsigned long nr = 0; nr < mm.nr_sections; nr++) {
		struct mm_section *s = &mm.sections[nr];
		unsigned long base = section_nr_to_pfn(nr);
		u64 sresv = 0, spresent = 0;

		if (s->state == SECTION_ABSENT) {
			if (s->present || s->isolated)
				FAIL("absent section %lu has present=%u isolated=%u\n",
				     nr, s->present, s->isolated);
			continue;
		}
		if (s->isolated && s->state != SECTION_ONLINE)
			FAIL("section %lu isolated but not online\n", nr);
		memmap += SECTION_MEMMAP_PAGES;
		if (s->memmap_src == MEMMAP_ON_MEMORY) {
			mom += SECTION_MEMMAP_PAGES;
			if (s->memmap_pfn != base)
				FAIL("section %lu memmap-on-memory at %#x\n", nr, s->memmap_pfn);
		}
		for (unsigned long i = 0; i < PAGES_PER_SECTION;) {
			unsigned long pfn = base + i;
			const struct page *p = pfn_to_page(pfn);

			if (!(p->type == PGTY_RESERVED && (p->flags & PG_hole)))
				spresent++;
			if (s->memmap_src == MEMMAP_ON_MEMORY &&
			    i < SECTION_MEMMAP_PAGES &&
			    (p->type != PGTY_RESERVED || !(p->flags & PG_vmemmap)))
				FAIL("pfn %#lx: memmap-on-memory page is %s\n", pfn,
				     page_type_name(p));
			if (s->state == SECTION_OFFLINE) {
				if (p->type == PGTY_RESERVED) {
					if (!(p->flags & (PG_hole | PG_vmemmap)))
						FAIL("pfn %#lx: reserved page in offline section %lu\n", pfn, nr);
					if (!(p->flags & PG_hole))
						sresv++;
				} else if (p->type != PGTY_OFFLINE || p->refcount) {
					FAIL("pfn %#lx: %s refcount %u in offline section %lu\n",
					     pfn, page_type_name(p), p->refcount, nr);
				}
				i++;
				continue;
			}
			switch (p->type) {
			case PGTY_RESERVED:
				if (!(p->flags & PG_hole))
					sresv++;
				i++;
				break;
			case PGTY_OFFLINE:
				poff++;
				i++;
				break;
			case PGTY_FREE:
				FAIL("pfn %#lx: free page outside any free block\n", pfn);
			case PGTY_BUDDY: {
				unsigned long n = 1UL << p->order;

				if (p->order > MAX_ORDER || (pfn & (n - 1)) ||
				    i + n > PAGES_PER_SECTION)
					FAIL("pfn %#lx: bad free block order %u\n", pfn, p->order);
				for (unsigned long k = 1; k < n; k++)
					if (p[k].type != PGTY_FREE)
						FAIL("pfn %#lx: inside free block at %#lx but %s\n",
						     pfn + k, pfn, page_type_name(&p[k]));
				if (p->order < MAX_ORDER) {
					const struct page *b = pfn_to_page(pfn ^ n);

					if (b->type == PGTY_BUDDY && b->order == p->order)
						FAIL("pfn %#lx: free buddy %#lx of order %u not merged\n",
						     pfn, pfn ^ n, p->order);
				}
				spresent += n - 1;
				if (s->isolated) {
					iso_free += n;
					iso_blocks[p->order]++;
				} else {
					free += n;
					blocks[p->order]++;
				}
				i += n;
				break;
			}
			case PGTY_ALLOC: {
				unsigned long n = 1UL << p->order;

				if (!(p->flags & PG_head) || !p->refcount)
					FAIL("pfn %#lx: allocated page outside a block (flags %#x refcount %u)\n",
					     pfn, p->flags, p->refcount);
				if (p->order > MAX_ORDER || (pfn & (n - 1)) ||
				    i + n > PAGES_PER_SECTION)
					FAIL("pfn %#lx: bad allocated block order %u\n", pfn, p->order);
				for (unsigned long k = 1; k < n; k++)
					if (p[k].type != PGTY_ALLOC || p[k].refcount ||
					    (p[k].flags & PG_head))
						FAIL("pfn %#lx: inside allocated block at %#lx but %s refcount %u\n",
						     pfn + k, pfn, page_type_name(&p[k]), p[k].refcount);
				spresent += n - 1;
				alloc += n;
				i += n;
				break;
			}
			default:
				FAIL("pfn %#lx: bad type %u\n", pfn, p->type);
			}
		}
		if (spresent != s->present)
			FAIL("section %lu: %llu present pages, counted %u\n", nr,
			     (unsigned long long)spresent, s->present);
		if (sresv != s->reserved)
			FAIL("section %lu: %llu reserved pages, counted %u\n", nr,
			     (unsigned long long)sresv, s->reserved);
		present += s->present;
		if (s->state == SECTION_ONLINE) {
			online += s->present;
			resv += sresv;
		} else {
			offline += s->present;
		}
	}
	u64 lfree = 0, liso = 0;

	for (unsigned int o = 0; o < NR_ORDERS; o++) {
		if (check_list(&mm.area[o], o, false, &lfree) ||
		    check_list(&mm.iso[o], o, true, &liso))
			return -EIO;
		if (blocks[o] != mm.area[o].nr || iso_blocks[o] != mm.iso[o].nr)
			FAIL("order %u: %llu+%llu free blocks in the memmap, lists say %llu+%llu\n",
			     o, (unsigned long long)blocks[o],
			     (unsigned long long)iso_blocks[o],
			     (unsigned long long)mm.area[o].nr,
			     (unsigned long long)mm.iso[o].nr);
	}
#define CMP(name, a, b)                                                          \
	do {                                                                      \
		if ((a) != (b))                                                   \
			FAIL("%s: counted %llu, counter %llu\n", name,            \
			     (unsigned long long)(a), (unsigned long long)(b));   \
	} while (0)
	CMP("free pages", free, mm.free);
	CMP("free list pages", lfree, mm.free);
	CMP("isolated free pages", iso_free, mm.isolated_free);
	CMP("isolated list pages", liso, mm.isolated_free);
	CMP("managed pages", free + iso_free + alloc, mm.managed);
	CMP("PageOffline pages", poff, mm.page_offline);
	CMP("reserved pages", resv, mm.reserved);
	CMP("online pages", online, mm.online);
	CMP("offline pages", offline, mm.offline);
	CMP("present pages", present, mm.present);
	CMP("memmap pages", memmap, mm.memmap);
	CMP("memmap-on-memory pages", mom, mm.memmap_on_memory);
	CMP("online = managed + PageOffline + reserved", online,
	    mm.managed + mm.page_offline + mm.reserved);
#undef CMP
	return 0;
}
