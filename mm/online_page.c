/*
 * A block's pages going online (online_pages' per-page work): handed to
 * the online_page hook, or, when the hook is generic_online_page anyway,
 * freed in one pass that writes each struct page whole (16 bytes from a
 * template) instead of field by field in three passes (refcount 1 for the
 * hook, the hook's checks, the buddy's reset). Apart from
 * memory_hotplug.c because this is about page states, and the hotplug
 * flow only sequences notifiers and section states.
 */
#include "buddy.h"

/* A free page inside a free block. */
static const struct page free_tmpl = { .type = PGTY_FREE };
/* PageOffline as add_memory and offline_pages leave a page: no owner's. */
static const struct page plain_offline_tmpl = { .type = PGTY_OFFLINE };

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

/* A PageOffline page going online holds a reference (a hook may keep it). */
static void hold_offline(struct page *p)
{
	p->refcount = 1;
	mm.page_offline++;
}

void online_section_prepare(unsigned long nr, online_page_callback_t cb)
{
	struct page *p = pfn_to_page(section_nr_to_pfn(nr));

	if (cb == generic_online_page)
		return; /* online_section_generic does it all */
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
		if (p[i].type == PGTY_OFFLINE)
			hold_offline(&p[i]);
}

/* Hand the PageOffline pages of section nr to the hook, aligned chunks. */
static void online_section_hook(unsigned long nr, online_page_callback_t cb)
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
			unsigned int order = max_order_at(pfn, run);

			cb(pfn_to_page(pfn), order);
			pfn += 1UL << order;
		}
	}
}

/* [pfn, end), PGTY_FREE already, to the buddy in aligned blocks. */
static void free_run(unsigned long pfn, unsigned long end)
{
	mm.managed += end - pfn;
	mm.free += end - pfn; /* an online section, not isolated */
	poison_pages(pfn, end - pfn);
	while (pfn < end) {
		unsigned int order = max_order_at(pfn, end);

		buddy_insert_free(pfn, order);
		pfn += 1UL << order;
	}
}

/*
 * generic_online_page for the whole section, in one pass: runs of plain
 * PageOffline pages become free memory; a page its driver left
 * skippable stays PageOffline, with its reference (no hook to adopt it).
 */
static void online_section_generic(unsigned long nr)
{
	unsigned long pfn = section_nr_to_pfn(nr), end = pfn + PAGES_PER_SECTION;
	struct page *p = pfn_to_page(0);
	const u64 plain = page_state_word(&plain_offline_tmpl);

	while (pfn < end) {
		unsigned long run = pfn;

		for (; run < end && page_state_word(&p[run]) == plain; run++)
			p[run] = free_tmpl;
		if (run > pfn) {
			free_run(pfn, run);
			pfn = run;
			continue;
		}
		if (p[pfn].type == PGTY_OFFLINE)
			hold_offline(&p[pfn]);
		pfn++;
	}
}

void online_section(unsigned long nr, online_page_callback_t cb)
{
	if (cb == generic_online_page)
		online_section_generic(nr);
	else
		online_section_hook(nr, cb);
}
