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
 *
 * The memmap itself is sparse.c's, the pages going online online_page.c's,
 * the page-by-page verdicts of offlining page_isolation.c's, block owners
 * memory_owner.c's.
 */
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
	u64 t0 = clock_ns();

	ret = arch_direct_map(start, size);
	hp_account(HP_DIRECT_MAP, t0);
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
	/*
	 * In dmesg, not on the console at the default level: a console byte
	 * can cost milliseconds (nested HVM: each one a trip to the device
	 * model, 1.7 s of the five blocks bench-xen added), and a balloon adds
	 * and removes blocks by the dozen. `lsmem` and `balloon` count them.
	 */
	pr_debug("add_memory: %#llx-%#llx added, %lu block(s) offline%s\n",
		(unsigned long long)start, (unsigned long long)(start + size - 1),
		last - first,
		(flags & MHP_MEMMAP_ON_MEMORY) ? ", memmap on memory" : "");
	return 0;
}

int do_remove_memory(phys_addr_t start, u64 size,
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
	u64 t0 = clock_ns();

	/* section_remove clears each block, its owner too. */
	for (unsigned long nr = first; nr < last; nr++) {
		section_remove(nr);
		mm.history[nr] |= SECTION_WAS_REMOVED;
	}
	arch_direct_unmap(start, size);
	hp_account(HP_REMOVE, t0);
	pr_debug("%s: %#llx-%#llx removed\n", who, /* as add_memory's */
		(unsigned long long)start, (unsigned long long)(start + size - 1));
	return 0;
}

int remove_memory(phys_addr_t start, u64 size)
{
	return do_remove_memory(start, size, NULL, "remove_memory");
}

/* ---- online ------------------------------------------------------------ */

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

static int do_online_pages(unsigned long pfn, unsigned long nr_pages)
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

		s->state = SECTION_ONLINE;
		mm.nr_online_sections++;
		mm.offline -= s->present;
		mm.online += s->present;
		mm.reserved += s->reserved;
		online_section_prepare(nr, section_online_cb(nr));
	}
	for (unsigned long nr = first; nr < last; nr++)
		online_section(nr, section_online_cb(nr));
	memory_notify(MEM_ONLINE, pfn, nr_pages);
	return 0;
}

/* ---- offline ----------------------------------------------------------- */

static void set_sections_offline(unsigned long first, unsigned long last)
{
	for (unsigned long nr = first; nr < last; nr++) {
		struct mm_section *s = &mm.sections[nr];

		section_set_isolated(s, false);
		s->state = SECTION_OFFLINE;
		mm.nr_online_sections--;
		mm.online -= s->present;
		mm.offline += s->present;
		mm.reserved -= s->reserved;
	}
}

static int do_offline_pages(unsigned long pfn, unsigned long nr_pages)
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

int online_pages(unsigned long pfn, unsigned long nr_pages)
{
	u64 t0 = clock_ns();
	int ret = do_online_pages(pfn, nr_pages);

	hp_account(HP_ONLINE, t0);
	return ret;
}

int offline_pages(unsigned long pfn, unsigned long nr_pages)
{
	u64 t0 = clock_ns();
	int ret = do_offline_pages(pfn, nr_pages);

	hp_account(HP_OFFLINE, t0);
	return ret;
}

int online_memory_block(unsigned long block)
{
	return online_pages(section_nr_to_pfn(block), PAGES_PER_SECTION);
}

int offline_memory_block(unsigned long block)
{
	return offline_pages(section_nr_to_pfn(block), PAGES_PER_SECTION);
}
