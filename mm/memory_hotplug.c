/*
 * Memory hotplug: add_memory / online_pages / offline_pages / remove_memory
 * (the Linux mm/memory_hotplug.c flow, one zone, one section per block).
 *
 * Page states across a block's life:
 *   add_memory      every page PageOffline, refcount 0 (memmap-on-memory
 *                   pages Reserved + PG_vmemmap)
 *   online_pages    PageOffline pages get refcount 1 and go through the
 *                   online_page hook; generic_online_page frees them
 *   offline_pages   free pages leave the buddy lists, skippable PageOffline
 *                   pages stay PageOffline; everything ends PageOffline,
 *                   refcount 0, skipped pages marked PG_offline_skippable
 *   remove_memory   memmap unmapped and freed, section absent
 */
#include <ballast/boot_mem_map.h>
#include <ballast/page_reporting.h>
#include "internal.h"

static int check_range(phys_addr_t start, u64 size, const char *who)
{
	if (!mm.ready) {
		pr_err("%s: memory management is not initialised\n", who);
		return -EAGAIN;
	}
	if (!size || !IS_ALIGNED(start, SECTION_SIZE) ||
	    !IS_ALIGNED(size, SECTION_SIZE)) {
		pr_err("%s: %#llx size %#llx is not a whole number of %lu MiB memory blocks\n",
		       who, (unsigned long long)start, (unsigned long long)size,
		       (unsigned long)SECTION_SIZE_MB);
		return -EINVAL;
	}
	if (start + size < start ||
	    start + size > (u64)mm.nr_sections * SECTION_SIZE) {
		pr_err("%s: %#llx size %#llx goes beyond the highest physical address %#llx\n",
		       who, (unsigned long long)start, (unsigned long long)size,
		       (unsigned long long)((u64)mm.nr_sections * SECTION_SIZE));
		return -ERANGE;
	}
	return 0;
}

static const char *state_name(u8 state)
{
	return state == SECTION_ONLINE ? "online" :
	       state == SECTION_OFFLINE ? "offline" : "absent";
}

/* Every section of [first, last) in `want`; else a message and an error. */
static int check_state(unsigned long first, unsigned long last, u8 want,
		       const char *who)
{
	for (unsigned long nr = first; nr < last; nr++) {
		u8 st = mm.sections[nr].state;

		if (st == want)
			continue;
		pr_err("%s: memory block %lu is %s, not %s\n", who, nr,
		       state_name(st), state_name(want));
		if (st == SECTION_ABSENT)
			return -ENODEV;
		return -EBUSY;
	}
	return 0;
}

/* ---- add / remove ------------------------------------------------------ */

/*
 * How many pages of [pfn, end) have RAM behind them as the boot map tells
 * (bootmem_hotplug_range); with p set, those pages of the memmap p (for
 * pfn onwards) become PageOffline and the rest stay what they were (holes).
 */
static unsigned long boot_ram_pages(unsigned long pfn, unsigned long end,
				    struct page *p)
{
	unsigned long n = 0;
	u64 s, e;

	for (int i = 0; bootmem_hotplug_range(i, &s, &e); i++) {
		unsigned long a = MAX(pfn, PFN_DOWN(s)), b = MIN(end, PFN_DOWN(e));

		for (unsigned long k = a; p && k < b; k++) {
			p[k - pfn].type = PGTY_OFFLINE;
			p[k - pfn].flags = 0;
		}
		n += b > a ? b - a : 0;
	}
	return n;
}

/*
 * Without MHP_BACKED a block needs RAM behind it in the boot map, and with
 * memmap-on-memory the pages its memmap goes to must be RAM.
 */
static int check_backed(unsigned long nr, unsigned int flags)
{
	unsigned long pfn = section_nr_to_pfn(nr);

	if (flags & MHP_BACKED)
		return 0;
	if (!boot_ram_pages(pfn, pfn + PAGES_PER_SECTION, NULL)) {
		pr_err("add_memory: memory block %lu (%#llx) has no RAM behind it: the boot memory map calls it reserved or it lies past the end of RAM\n",
		       nr, (unsigned long long)PFN_PHYS(pfn));
		return -ENXIO;
	}
	if ((flags & MHP_MEMMAP_ON_MEMORY) &&
	    boot_ram_pages(pfn, pfn + SECTION_MEMMAP_PAGES, NULL) !=
		    SECTION_MEMMAP_PAGES) {
		pr_err("add_memory: memory block %lu (%#llx) does not start with %lu pages of RAM for its memmap\n",
		       nr, (unsigned long long)PFN_PHYS(pfn),
		       (unsigned long)SECTION_MEMMAP_PAGES);
		return -ENXIO;
	}
	return 0;
}

/* All pages PageOffline when backed, else holes where the boot map has no RAM. */
static unsigned long init_section_pages(struct page *p, unsigned long start,
					bool backed)
{
	/* All RAM (the usual case): one pass, as for a backed block. */
	if (!backed)
		backed = boot_ram_pages(start, start + PAGES_PER_SECTION, NULL) ==
			 PAGES_PER_SECTION;
	u8 type = backed ? PGTY_OFFLINE : PGTY_RESERVED;

	memset(p, 0, SECTION_MEMMAP_BYTES);
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
		p[i].type = type;
		p[i].flags = backed ? 0 : PG_hole;
		p[i].lru.next = p[i].lru.prev = PFN_NONE;
	}
	if (backed)
		return PAGES_PER_SECTION;
	return boot_ram_pages(start, start + PAGES_PER_SECTION, p);
}

/* Give back a buddy memmap: its chunks are chained through head->private. */
static void memmap_free_chunks(u32 pfn)
{
	while (pfn != PFN_NONE) {
		struct page *head = pfn_to_page(pfn);

		pfn = (u32)head->private;
		head->private = 0;
		free_pages(head, head->order);
	}
}

/*
 * A block's memmap from the buddy allocator, mapped at its vmemmap place:
 * one block when there is one, else smaller chunks one after another (a
 * memmap bigger than MAX_ORDER, or fragmented memory). Returns the pfn of
 * the first chunk through *first.
 */
static int memmap_alloc_map(unsigned long nr, u32 *first)
{
	unsigned int order = MAX_ORDER;
	struct page *prev = NULL;
	u64 off = 0;
	int ret = 0;

	*first = PFN_NONE;
	while (off < SECTION_MEMMAP_BYTES) {
		while (order && (PAGE_SIZE << order) > SECTION_MEMMAP_BYTES - off)
			order--;
		struct page *p = alloc_pages(order);

		if (!p && order) {
			order--;
			continue;
		}
		if (!p) {
			pr_err("add_memory: no memory for the memmap of block %lu (%llu KiB)\n",
			       nr, (unsigned long long)(SECTION_MEMMAP_BYTES >> 10));
			ret = -ENOMEM;
			break;
		}
		p->private = PFN_NONE;
		if (prev)
			prev->private = page_to_pfn(p);
		else
			*first = (u32)page_to_pfn(p);
		prev = p;
		ret = arch_map_range(section_memmap_va(nr) + off,
				     PFN_PHYS(page_to_pfn(p)), PAGE_SIZE << order);
		if (ret) {
			pr_err("add_memory: cannot map the memmap of block %lu (%d)\n",
			       nr, ret);
			break;
		}
		off += PAGE_SIZE << order;
	}
	if (ret) {
		if (off)
			arch_unmap_range(section_memmap_va(nr), off);
		memmap_free_chunks(*first);
	}
	return ret;
}

static int section_add(unsigned long nr, unsigned int flags)
{
	bool on_memory = flags & MHP_MEMMAP_ON_MEMORY;
	struct mm_section *s = &mm.sections[nr];
	unsigned long start = section_nr_to_pfn(nr);
	u32 mpfn = (u32)start;
	int ret;

	if (on_memory)
		ret = arch_map_range(section_memmap_va(nr), PFN_PHYS(start),
				     SECTION_MEMMAP_BYTES);
	else
		ret = memmap_alloc_map(nr, &mpfn);
	if (ret) {
		if (on_memory)
			pr_err("add_memory: cannot map the memmap of block %lu (%d)\n",
			       nr, ret);
		return ret;
	}
	struct page *p = pfn_to_page(start);
	unsigned long present = init_section_pages(p, start, flags & MHP_BACKED);

	if (on_memory)
		for (unsigned long i = 0; i < SECTION_MEMMAP_PAGES; i++) {
			p[i].type = PGTY_RESERVED;
			p[i].flags = PG_vmemmap;
		}
	s->state = SECTION_OFFLINE;
	mm.nr_present_sections++;
	s->isolated = 0;
	s->boot = 0;
	s->memmap_src = on_memory ? MEMMAP_ON_MEMORY : MEMMAP_BUDDY;
	s->memmap_pfn = (u32)mpfn;
	s->present = (u32)present;
	s->reserved = on_memory ? SECTION_MEMMAP_PAGES : 0;
	mm.present += present;
	mm.offline += present;
	mm.memmap += SECTION_MEMMAP_PAGES;
	if (on_memory)
		mm.memmap_on_memory += SECTION_MEMMAP_PAGES;
	return 0;
}

/* An offline section goes away; its memmap pages return where they came from. */
static void section_remove(unsigned long nr)
{
	struct mm_section *s = &mm.sections[nr];
	unsigned long mpfn = s->memmap_pfn;

	BUG_ON(s->state != SECTION_OFFLINE || s->isolated);
	/* Its frames may go back to a hypervisor next: leave nothing in them. */
	if (s->memmap_src == MEMMAP_ON_MEMORY)
		memset((void *)section_memmap_va(nr), 0, SECTION_MEMMAP_BYTES);
	arch_unmap_range(section_memmap_va(nr), SECTION_MEMMAP_BYTES);
	switch (s->memmap_src) {
	case MEMMAP_BUDDY:
		memmap_free_chunks((u32)mpfn);
		break;
	case MEMMAP_BOOT:
		/* Reserved pages in an online block: they become free memory. */
		for (unsigned long pfn = mpfn; pfn < mpfn + SECTION_MEMMAP_PAGES;
		     pfn++) {
			struct mm_section *hs = pfn_section(pfn);
			struct page *p = pfn_to_page(pfn);

			BUG_ON(hs->state != SECTION_ONLINE || !PageReserved(p) ||
			       (p->flags & PG_hole));
			hs->reserved--;
			mm.reserved--;
			mm.managed++;
			buddy_free_block(pfn, 0);
		}
		mm.boot_alloc -= SECTION_MEMMAP_PAGES;
		break;
	case MEMMAP_ON_MEMORY:
		mm.memmap_on_memory -= SECTION_MEMMAP_PAGES;
		break;
	default:
		BUG_ON(1);
	}
	mm.memmap -= SECTION_MEMMAP_PAGES;
	mm.present -= s->present;
	mm.offline -= s->present;
	mm.nr_present_sections--;
	memset(s, 0, sizeof(*s));
}

int add_memory(phys_addr_t start, u64 size, unsigned int flags)
{
	int ret = check_range(start, size, "add_memory");

	if (ret)
		return ret;
	if (flags & ~(MHP_MEMMAP_ON_MEMORY | MHP_BACKED)) {
		pr_err("add_memory: unknown flags %#x\n", flags);
		return -EINVAL;
	}
	unsigned long first = start / SECTION_SIZE, last = (start + size) / SECTION_SIZE;

	for (unsigned long nr = first; nr < last; nr++) {
		if (mm.sections[nr].state != SECTION_ABSENT) {
			pr_err("add_memory: memory block %lu (%#llx) is already present\n",
			       nr, (unsigned long long)(nr * SECTION_SIZE));
			return -EEXIST;
		}
		ret = check_backed(nr, flags);
		if (ret)
			return ret;
	}
	ret = arch_direct_map(start, size);
	if (ret) {
		pr_err("add_memory: cannot map %#llx-%#llx (%d)\n",
		       (unsigned long long)start,
		       (unsigned long long)(start + size - 1), ret);
		return ret;
	}
	for (unsigned long nr = first; nr < last; nr++) {
		ret = section_add(nr, flags);
		if (ret) {
			while (nr-- > first)
				section_remove(nr);
			arch_direct_unmap(start, size);
			return ret;
		}
	}
	for (unsigned long nr = first; nr < last; nr++)
		mm.history[nr] |= SECTION_WAS_ADDED;
	pr_info("add_memory: %#llx-%#llx added, %lu block(s) offline%s\n",
		(unsigned long long)start, (unsigned long long)(start + size - 1),
		last - first,
		(flags & MHP_MEMMAP_ON_MEMORY) ? ", memmap on memory" : "");
	return 0;
}

int add_memory_driver_managed(phys_addr_t start, u64 size, unsigned int flags,
			      struct memory_owner *owner)
{
	int ret;

	if (!memory_owner_registered(owner)) {
		pr_err("add_memory_driver_managed: %#llx: the owner is not registered\n",
		       (unsigned long long)start);
		return -EINVAL;
	}
	ret = add_memory(start, size, flags);
	if (ret)
		return ret;
	for (unsigned long nr = start / SECTION_SIZE;
	     nr < (start + size) / SECTION_SIZE; nr++)
		mm.sections[nr].owner = owner->id;
	return 0;
}

/* Every block of [first, last) is owner's (NULL: has no owner). */
static int check_owner(unsigned long first, unsigned long last,
		       const struct memory_owner *owner, const char *who)
{
	for (unsigned long nr = first; nr < last; nr++) {
		const struct memory_owner *o = section_owner(&mm.sections[nr]);

		if (o == owner)
			continue;
		if (!owner)
			pr_err("%s: memory block %lu belongs to %s: only its driver may remove it\n",
			       who, nr, o->name);
		else
			pr_err("%s: memory block %lu is not %s's (owner: %s)\n",
			       who, nr, owner->name, o ? o->name : "none");
		return -EPERM;
	}
	return 0;
}

static int do_remove_memory(phys_addr_t start, u64 size,
			    const struct memory_owner *owner, const char *who)
{
	int ret = check_range(start, size, who);

	if (ret)
		return ret;
	unsigned long first = start / SECTION_SIZE, last = (start + size) / SECTION_SIZE;

	ret = check_owner(first, last, owner, who);
	if (ret)
		return ret;
	ret = check_state(first, last, SECTION_OFFLINE, who);
	if (ret)
		return ret;
	/* section_remove clears each block, its owner too. */
	for (unsigned long nr = first; nr < last; nr++) {
		section_remove(nr);
		mm.history[nr] |= SECTION_WAS_REMOVED;
	}
	arch_direct_unmap(start, size);
	pr_info("%s: %#llx-%#llx removed\n", who,
		(unsigned long long)start, (unsigned long long)(start + size - 1));
	return 0;
}

int remove_memory(phys_addr_t start, u64 size)
{
	return do_remove_memory(start, size, NULL, "remove_memory");
}

int remove_memory_driver_managed(phys_addr_t start, u64 size,
				 struct memory_owner *owner)
{
	if (!memory_owner_registered(owner)) {
		pr_err("remove_memory_driver_managed: %#llx: the owner is not registered\n",
		       (unsigned long long)start);
		return -EINVAL;
	}
	return do_remove_memory(start, size, owner, "remove_memory_driver_managed");
}

/* ---- online ------------------------------------------------------------ */

void generic_online_page(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), n = 1UL << order;
	bool skip = false;

	for (unsigned long i = 0; i < n; i++) {
		BUG_ON(page[i].type != PGTY_OFFLINE);
		if (page[i].flags & PG_offline_skippable)
			skip = true;
	}
	if (!skip) {
		mm.page_offline -= n;
		mm.managed += n;
		buddy_free_block(pfn, order);
		return;
	}
	for (unsigned long i = 0; i < n; i++) {
		if (page[i].flags & PG_offline_skippable)
			continue; /* unplugged/ballooned before: stays PageOffline */
		mm.page_offline--;
		mm.managed++;
		buddy_free_block(pfn + i, 0);
	}
}

static online_page_callback_t online_cb(void)
{
	return mm.online_page_cb ? mm.online_page_cb : generic_online_page;
}

/* An owned block's pages go to its owner's callback, the rest to the global one. */
static online_page_callback_t section_online_cb(unsigned long nr)
{
	const struct memory_owner *o = section_owner(&mm.sections[nr]);

	if (!o)
		return online_cb();
	return o->online_page ? o->online_page : generic_online_page;
}

int set_online_page_callback(online_page_callback_t cb)
{
	if (!cb || online_cb() != generic_online_page)
		return -EINVAL;
	mm.online_page_cb = cb;
	return 0;
}

int restore_online_page_callback(online_page_callback_t cb)
{
	if (!cb || online_cb() != cb)
		return -EINVAL;
	mm.online_page_cb = NULL;
	return 0;
}

/* Hand the PageOffline pages of section nr to the hook, aligned chunks. */
static void online_section_pages(unsigned long nr, online_page_callback_t cb)
{
	unsigned long pfn = section_nr_to_pfn(nr), end = pfn + PAGES_PER_SECTION;

	while (pfn < end) {
		if (!PageOffline(pfn_to_page(pfn))) {
			pfn++;
			continue;
		}
		unsigned long run = pfn;

		while (run < end && PageOffline(pfn_to_page(run)))
			run++;
		while (pfn < run) {
			unsigned int order = 0;

			while (order < MAX_ORDER && !(pfn & (1UL << order)) &&
			       pfn + (2UL << order) <= run)
				order++;
			cb(pfn_to_page(pfn), order);
			pfn += 1UL << order;
		}
	}
}

int online_pages(unsigned long pfn, unsigned long nr_pages)
{
	int ret = check_range(PFN_PHYS(pfn), PFN_PHYS(nr_pages), "online_pages");

	if (ret)
		return ret;
	unsigned long first = pfn_to_section_nr(pfn),
		      last = pfn_to_section_nr(pfn + nr_pages);

	ret = check_state(first, last, SECTION_OFFLINE, "online_pages");
	if (ret)
		return ret;
	ret = memory_notify(MEM_GOING_ONLINE, pfn, nr_pages);
	if (ret) {
		pr_err("online_pages: %#llx-%#llx: a memory notifier refused (%s)\n",
		       (unsigned long long)PFN_PHYS(pfn),
		       (unsigned long long)PFN_PHYS(pfn + nr_pages) - 1,
		       errno_name(ret));
		memory_notify(MEM_CANCEL_ONLINE, pfn, nr_pages);
		return ret;
	}
	for (unsigned long nr = first; nr < last; nr++) {
		struct mm_section *s = &mm.sections[nr];
		struct page *p = pfn_to_page(section_nr_to_pfn(nr));

		s->state = SECTION_ONLINE;
		mm.nr_online_sections++;
		mm.offline -= s->present;
		mm.online += s->present;
		mm.reserved += s->reserved;
		for (unsigned long i = 0; i < PAGES_PER_SECTION; i++) {
			if (p[i].type == PGTY_OFFLINE) {
				p[i].refcount = 1;
				mm.page_offline++;
			}
		}
	}
	for (unsigned long nr = first; nr < last; nr++)
		online_section_pages(nr, section_online_cb(nr));
	memory_notify(MEM_ONLINE, pfn, nr_pages);
	return 0;
}

/* ---- offline ----------------------------------------------------------- */

/* Why pfn keeps its block from going offline, or NULL if it does not. */
static const char *page_busy_reason(const struct page *p, char *buf, size_t len)
{
	switch (p->type) {
	case PGTY_BUDDY:
	case PGTY_FREE:
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
static int check_offlinable(unsigned long pfn, unsigned long end)
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
static void take_offline_pages(unsigned long pfn, unsigned long end)
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
		if (p->type == PGTY_OFFLINE) {
			/* Skipped: remembered for the next online. */
			p->flags = PG_offline_skippable;
			p->refcount = 0;
			mm.page_offline--;
		}
		i++;
	}
}

static void set_sections_offline(unsigned long first, unsigned long last)
{
	for (unsigned long nr = first; nr < last; nr++) {
		struct mm_section *s = &mm.sections[nr];

		s->isolated = 0;
		s->state = SECTION_OFFLINE;
		mm.nr_online_sections--;
		mm.online -= s->present;
		mm.offline += s->present;
		mm.reserved -= s->reserved;
	}
}

int offline_pages(unsigned long pfn, unsigned long nr_pages)
{
	int ret = check_range(PFN_PHYS(pfn), PFN_PHYS(nr_pages), "offline_pages");
	unsigned long first, last, end = pfn + nr_pages;

	if (ret)
		return ret;
	first = pfn_to_section_nr(pfn);
	last = pfn_to_section_nr(end);
	ret = check_state(first, last, SECTION_ONLINE, "offline_pages");
	if (ret)
		return ret;
	/*
	 * Blocks out for a free page report come back first; once the
	 * sections are isolated the reporter takes nothing from them (it
	 * walks the normal lists only) and nothing runs in between.
	 */
	ret = page_reporting_drain(pfn, end);
	if (ret) {
		pr_err("offline_pages: %#llx-%#llx: blocks out for a free page report did not come back\n",
		       (unsigned long long)PFN_PHYS(pfn),
		       (unsigned long long)PFN_PHYS(end) - 1);
		return ret;
	}
	for (unsigned long nr = first; nr < last; nr++)
		buddy_isolate_section(nr);
	ret = memory_notify(MEM_GOING_OFFLINE, pfn, nr_pages);
	if (ret)
		pr_err("offline_pages: %#llx-%#llx: a memory notifier refused (%s)\n",
		       (unsigned long long)PFN_PHYS(pfn),
		       (unsigned long long)PFN_PHYS(end) - 1, errno_name(ret));
	else
		ret = check_offlinable(pfn, end);
	if (!ret)
		ret = page_reporting_prepare_offline(pfn, end);
	if (ret) {
		memory_notify(MEM_CANCEL_OFFLINE, pfn, nr_pages);
		for (unsigned long nr = first; nr < last; nr++)
			buddy_unisolate_section(nr);
		return ret;
	}
	/* Nothing can fail from here on. */
	take_offline_pages(pfn, end);
	set_sections_offline(first, last);
	memory_notify(MEM_OFFLINE, pfn, nr_pages);
	return 0;
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

int online_memory_block(unsigned long block)
{
	return online_pages(section_nr_to_pfn(block), PAGES_PER_SECTION);
}

int offline_memory_block(unsigned long block)
{
	return offline_pages(section_nr_to_pfn(block), PAGES_PER_SECTION);
}
