/*
 * mm-internal state and helpers. All mm state lives in one struct (`mm`) so
 * host tests can throw it away and run mm_init() again.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

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

struct mm_state {
	bool ready;
	unsigned long nr_sections;
	struct mm_section *sections;
	u8 *history;   /* SECTION_WAS_* per section */
	/* Buddy free lists; iso[] holds the free blocks of isolated sections. */
	struct free_list area[NR_ORDERS];
	struct free_list iso[NR_ORDERS];
	/* Counters (pages), see struct mm_stats. */
	u64 present, online, offline, managed, free, isolated_free, reserved,
		page_offline, memmap, memmap_on_memory, pgtable, boot_alloc;
	/* Free page reporting (pages): in free blocks marked PG_reported
	 * (on any list), and out for a report (PGTY_REPORTING heads). */
	u64 reported, reporting;
	/* Sections not absent, and online: kept here so stats need no walk. */
	unsigned long nr_present_sections, nr_online_sections;
	/* Boot allocator: what it handed out (merged ranges). */
	bool boot_open;
	int nr_boot_ranges;
	struct { u64 start, end; } boot_ranges[BOOT_ALLOC_MAX];
	online_page_callback_t online_page_cb; /* NULL: generic_online_page */
	struct notifier_head memory_chain;
	/* Registered memory owners, by id - 1 (memory_owner.c). */
	struct memory_owner *owners[MEMORY_OWNERS_MAX];
};

extern struct mm_state mm;

static inline struct mm_section *pfn_section(unsigned long pfn)
{
	return &mm.sections[pfn_to_section_nr(pfn)];
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

#define SECTION_MEMMAP_BYTES ((u64)PAGES_PER_SECTION * sizeof(struct page))
#define SECTION_MEMMAP_PAGES (SECTION_MEMMAP_BYTES >> PAGE_SHIFT)

/* page_alloc.c */
void buddy_free_block(unsigned long pfn, unsigned int order);
void buddy_free_range(unsigned long pfn, unsigned long end_pfn);
void buddy_isolate_section(unsigned long nr);
void buddy_unisolate_section(unsigned long nr);
void reset_pages(struct page *p, unsigned long n, u8 type);
void buddy_take_free_block(struct page *head);
/* page_reported.c: the allocator's side of free page reporting. */
void buddy_report_take(unsigned long pfn);
bool buddy_report_return(unsigned long pfn, bool reported);
void buddy_unreport_block(unsigned long pfn);

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
