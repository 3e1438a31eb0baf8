/*
 * mm-internal state and helpers. All mm state lives in one struct (`mm`) so
 * host tests can throw it away and run mm_init() again.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <ballast/timer.h>
#include <ballast/mm.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/notifier.h>
#include <ballast/printk.h>
#include <ballast/errno.h>
#include <ballast/string.h>

/* One per section, in boot-allocated memory (20 bytes). */
struct mm_section {
	u8 state;      /* enum section_state */
	u8 isolated;   /* being offlined: its free blocks are on iso lists */
	u8 memmap_src; /* enum memmap_source */
	u8 boot;       /* from the boot memory map */
	u8 owner;      /* memory_owner id (mm.owners[owner - 1]), 0: none */
	u32 memmap_pfn;
	u32 present;   /* RAM pages (holes excluded) */
	u32 reserved;  /* Reserved, non-hole pages (counted while online) */
};

/* Per-section history, kept across remove (for lsmem). */
#define SECTION_WAS_ADDED 0x1   /* hot-added at least once */
#define SECTION_WAS_REMOVED 0x2 /* removed since boot (absent or re-added) */

/*
 * A free list: unreported blocks first (fl_add puts them at the head,
 * allocation takes the head), then the reported ones (PG_reported, added
 * at the tail), from `rep` to `tail`. So allocation prefers unreported
 * memory and the reporter finds every unreported block before `rep`
 * without visiting a reported one.
 */
struct free_list {
	u32 head;      /* pfn of the first block, PFN_NONE when empty */
	u32 tail;      /* pfn of the last block, PFN_NONE when empty */
	u32 rep;       /* first reported block, PFN_NONE when none */
	u32 nr;        /* blocks on it (pfns are 32-bit: so are counts) */
};

#define BOOT_ALLOC_MAX 64

/*
 * The order-0 cache (mm/pcp.c, Linux's per-cpu pages for the one CPU):
 * free order-0 pages (PGTY_PCP) in front of the buddy lists, a stack of
 * pfns (PCP_HIGH, PCP_BATCH: mm.h).
 */
struct per_cpu_pages {
	u32 count;
	/* PCP_HIGH; 0 while a section is isolated, so that the free path's
	 * one test sends every free to pcp_free_slow, which looks. */
	u32 high;
	u32 pfn[PCP_HIGH]; /* [count - 1] is the next to go */
};

/* Where adding, onlining, offlining and removing memory spend their time
 * (ns and calls since boot, by stage; `memhotplug times` shows them). */
enum hotplug_stage {
	HP_DIRECT_MAP,   /* add: the range's direct map */
	HP_MEMMAP_MAP,   /* add: mapping a section's memmap */
	HP_STRUCT_PAGES, /* add: writing its struct pages */
	HP_ONLINE,       /* online_pages, notifiers and hooks with it */
	HP_OFFLINE,      /* offline_pages */
	HP_REMOVE,       /* remove: memmap and direct map gone */
	HP_STAGES
};

struct hotplug_times {
	u64 ns[HP_STAGES], calls[HP_STAGES];
};

struct mm_state {
	bool ready;
	unsigned long nr_sections;
	struct mm_section *sections;
	u8 *history;   /* SECTION_WAS_* per section */
	/* Buddy free lists; iso[] holds the free blocks of isolated sections. */
	struct free_list area[NR_ORDERS];
	struct free_list iso[NR_ORDERS];
	/* Free order-0 pages of sections not isolated, counted in `free`. */
	struct per_cpu_pages pcp;
	/* Counters (pages), see struct mm_stats. */
	u64 present, online, offline, managed, free, isolated_free, reserved,
		page_offline, memmap, memmap_on_memory, pgtable, boot_alloc;
	/* Free page reporting (pages): in free blocks marked PG_reported
	 * (on any list), and out for a report (PGTY_REPORTING heads). */
	u64 reported, reporting;
	/* Sections not absent, and online: kept here so stats need no walk. */
	unsigned long nr_present_sections, nr_online_sections;
	unsigned long nr_isolated_sections;
	/* Boot allocator: what it handed out (merged ranges). */
	bool boot_open;
	int nr_boot_ranges;
	struct { u64 start, end; } boot_ranges[BOOT_ALLOC_MAX];
	online_page_callback_t online_page_cb; /* NULL: generic_online_page */
	struct notifier_head memory_chain;
	/* Registered memory owners, by id - 1 (memory_owner.c). */
	struct memory_owner *owners[MEMORY_OWNERS_MAX];
	struct hotplug_times hp;
};

extern struct mm_state mm;

static inline void hp_account(enum hotplug_stage st, u64 t0)
{
	mm.hp.ns[st] += clock_ns() - t0;
	mm.hp.calls[st]++;
}

static inline struct mm_section *pfn_section(unsigned long pfn)
{
	return &mm.sections[pfn_to_section_nr(pfn)];
}

/* The only way a section's isolated flag changes (the cache must know). */
static inline void section_set_isolated(struct mm_section *s, bool on)
{
	if (s->isolated == on)
		return;
	s->isolated = on;
	mm.nr_isolated_sections += on ? 1 : -1UL;
	mm.pcp.high = mm.nr_isolated_sections ? 0 : PCP_HIGH;
}

/* refcount, type, order and flags in one load (a page's second 8 bytes). */
static inline u64 page_state_word(const struct page *p)
{
	u64 w;

	__builtin_memcpy(&w, &p->refcount, sizeof(w));
	return w;
}

static inline uintptr_t section_memmap_va(unsigned long nr)
{
	return (uintptr_t)pfn_to_page(section_nr_to_pfn(nr));
}

/* The owner of a present section, NULL when it has none. */
static inline struct memory_owner *section_owner(const struct mm_section *s)
{
	return s->owner ? mm.owners[s->owner - 1] : NULL;
}

/* The largest naturally aligned block at pfn that ends by end: its order. */
static inline unsigned int max_order_at(unsigned long pfn, unsigned long end)
{
	unsigned int order = 0;

	while (order < MAX_ORDER && !(pfn & (1UL << order)) &&
	       pfn + (2UL << order) <= end)
		order++;
	return order;
}

#define SECTION_MEMMAP_BYTES ((u64)PAGES_PER_SECTION * sizeof(struct page))
#define SECTION_MEMMAP_PAGES (SECTION_MEMMAP_BYTES >> PAGE_SHIFT)

/* page_alloc.c */
void buddy_free_block(unsigned long pfn, unsigned int order);
/* Same for pages already PGTY_FREE (order, flags, refcount, private 0)
 * and counted free: only the merge and the list. */
void buddy_insert_free(unsigned long pfn, unsigned int order);
void buddy_free_range(unsigned long pfn, unsigned long end_pfn);
void buddy_isolate_section(unsigned long nr);
void buddy_unisolate_section(unsigned long nr);
void reset_pages(struct page *p, unsigned long n, u8 type);
void buddy_take_free_block(struct page *head);
/* page_reported.c: the allocator's side of free page reporting. */
void buddy_report_take(unsigned long pfn);
bool buddy_report_return(unsigned long pfn, bool reported);
void buddy_unreport_block(unsigned long pfn);

/*
 * pcp.c, the order-0 cache's slow side (the hot pop and push are inline in
 * pcp.h): refill from the buddy (false: nothing unreported to take), the
 * pages of [pfn, end) back to the buddy (how many), one cached page taken
 * for alloc_pages_at.
 */
bool pcp_refill(void);
unsigned int pcp_drain_range(unsigned long pfn, unsigned long end);
struct page *pcp_take(unsigned long pfn);

/* page_reporting.c, for the allocator */
extern bool page_reporting_on;      /* a device is registered */
/* REPORTING_ORDER while on, NR_ORDERS (no order) while off: the free
 * path's one test. */
extern unsigned int page_reporting_min_order;
extern bool page_reporting_apart;   /* ...and it has reclaim() */
void page_reporting_notify_free(void);
int page_reporting_reclaim(unsigned long pfn, unsigned int order);
int page_reporting_prepare_offline(unsigned long pfn, unsigned long end);

/*
 * memory_notifier.c: the owners of the range's blocks (each owned block,
 * in order), then the chain. 0, or the first veto of a GOING_* event.
 */
int memory_notify(unsigned long action, unsigned long pfn, unsigned long nr);

/* memory_owner.c: owner is registered (its id names it in mm.owners). */
bool memory_owner_registered(const struct memory_owner *owner);
/* Every block of [first, last) is owner's (NULL: no one's); else -EPERM
 * and a line naming the block and its owner, `who` first. */
int check_owner(unsigned long first, unsigned long last,
		const struct memory_owner *owner, const char *who);

/*
 * online_page.c: section nr's pages going online, for the hook cb (the
 * block's owner's, or the global one): prepare for every section of the
 * range first (the hook's references), then online_section for each.
 */
void online_section_prepare(unsigned long nr, online_page_callback_t cb);
void online_section(unsigned long nr, online_page_callback_t cb);

/* memory_hotplug.c: remove_memory of blocks that must be owner's. */
int do_remove_memory(phys_addr_t start, u64 size,
		     const struct memory_owner *owner, const char *who);

/*
 * sparse.c: a hot-added block's memmap. check_backed: the block may be
 * added with these MHP_* flags (RAM behind it). section_add: memmap
 * allocated, mapped and initialised, the section offline. section_remove:
 * an offline section goes, its memmap back where it came from.
 */
int check_backed(unsigned long nr, unsigned int flags);
int section_add(unsigned long nr, unsigned int flags);
void section_remove(unsigned long nr);

/*
 * page_isolation.c: every page of the isolated [pfn, end) free or let go
 * (else -EBUSY and a line naming one); then take them out of the allocator.
 */
int check_offlinable(unsigned long pfn, unsigned long end);
void take_offline_pages(unsigned long pfn, unsigned long end);

/* Boot allocator (boot_alloc.c), open only inside mm_init. */
phys_addr_t boot_alloc(u64 size);
phys_addr_t boot_pgtable_alloc(void);
/* End of what the memmap can describe (nr_sections * SECTION_SIZE). */
u64 boot_ram_limit(void);
/* Usable RAM range i, clipped to boot_ram_limit; false past the last. */
bool boot_ram_range(int i, u64 *s, u64 *e);
/* Give [s, e) minus every boot reservation to the buddy; pages freed. */
u64 boot_free_usable(u64 s, u64 e);
/* A boot reservation or boot allocation covers the page at pa. */
bool boot_page_reserved(u64 pa);

/* pgtable_alloc.c: page-table pages from the buddy allocator, once mm is up. */
phys_addr_t buddy_pgtable_alloc(void);
void buddy_pgtable_free(phys_addr_t table);

#endif
