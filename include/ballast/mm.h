/*
 * Memory management: the buddy page allocator over the sparse/vmemmap
 * memmap described in page.h. Memory hotplug is in memory_hotplug.h, the
 * memory notifier chain in memory.h.
 */
#ifndef BALLAST_MM_H
#define BALLAST_MM_H

#include <ballast/types.h>
#include <ballast/page.h>

/*
 * Build the memmap from boot_mem_map, hand every usable page to the buddy
 * allocator and switch arch_pgtable_alloc from the boot allocator to it.
 * Boot RAM sections come up online. Arch code fills boot_mem_map, maps the
 * boot RAM in the direct map and sets vmemmap_base/arch_max_phys_addr first.
 */
void mm_init(void);
bool mm_ready(void);

/* Buddy allocator. NULL when nothing fits (never panics); order > MAX_ORDER is NULL. */
struct page *alloc_pages(unsigned int order);
static inline struct page *alloc_page(void) { return alloc_pages(0); }
/*
 * Exactly the naturally aligned block at pfn, if every page of it is free
 * in an online block; NULL otherwise (a driver emptying one memory block).
 */
struct page *alloc_pages_at(unsigned long pfn, unsigned int order);
/*
 * A block wholly below limit_pfn (memory that is never removed), NULL when
 * none is free there: for data that must outlive any hot-added block.
 */
struct page *alloc_pages_below(unsigned int order, unsigned long limit_pfn);
void *alloc_pages_virt_below(unsigned int order, unsigned long limit_pfn);
/* Free a block from alloc_pages (its reference must be the last one). */
void free_pages(struct page *page, unsigned int order);
static inline void free_page(struct page *page) { free_pages(page, 0); }
/* Same, by direct-map address. */
void *alloc_pages_virt(unsigned int order);
void free_pages_virt(void *addr, unsigned int order);

/*
 * The order-0 cache (mm/pcp.c): at most PCP_HIGH free order-0 pages; full,
 * its PCP_BATCH oldest go to the buddy lists; empty, it takes PCP_BATCH.
 */
#define PCP_HIGH 64
#define PCP_BATCH 32
/*
 * Every page of the order-0 cache back to the buddy lists (freed order-0
 * pages wait there, PGTY_PCP, counted free). mm drains it itself where it
 * matters (offline, alloc_pages_at, a failed allocation, reporting); this
 * is for whoever needs the buddy's own blocks exact (tests).
 */
void drain_all_pages(void);

/* References on an allocated block's head; the last put_page frees it. */
void get_page(struct page *page);
void put_page(struct page *page);

/*
 * PageOffline for drivers (balloons): set_page_offline turns an allocated
 * order-0 page (refcount 1) into a PageOffline page the driver owns; it stops
 * counting as managed memory and shows as "offline/ballooned" in `free`.
 * free_offline_page gives such a page (in an online block) back to the
 * buddy allocator.
 */
void set_page_offline(struct page *page, bool skippable);
void free_offline_page(struct page *page);
/*
 * Same for a naturally aligned run of 2^order PageOffline pages: one buddy
 * insertion instead of 2^order, so a driver returning a whole 2 MiB run
 * gives the allocator its 2 MiB block back at once.
 */
void free_offline_pages(struct page *page, unsigned int order);
/*
 * The other way for a whole block: an allocated order-N block (refcount 1,
 * from alloc_pages or alloc_pages_at) becomes 2^N PageOffline pages the
 * driver owns, each with refcount 1 (virtio-mem unplugging a 2 MiB
 * sub-block it has just taken).
 */
void set_pages_offline(struct page *page, unsigned int order);

/*
 * Turn an allocated order-N block (refcount 1) into 2^N order-0 allocated
 * pages, each with refcount 1, freed or set offline one by one. Lets a
 * driver take a whole 2 MiB block at once and still own its pages singly.
 */
void split_page(struct page *page, unsigned int order);

/* Counters, in pages. */
struct mm_stats {
	u64 present;         /* RAM pages in present sections */
	u64 online;          /* present pages in online sections */
	u64 offline;         /* present pages in offline sections */
	u64 managed;         /* online pages the buddy allocator manages */
	u64 free;            /* on the (non-isolated) free lists, and out for a
			      * free page report (page_reporting.h) */
	u64 isolated_free;   /* free pages in blocks being offlined */
	u64 reserved;        /* Reserved pages in online sections */
	u64 page_offline;    /* PageOffline pages in online sections (ballooned) */
	u64 memmap;          /* pages holding the memmap (all sources) */
	u64 memmap_on_memory; /* ...of which carved from hot-added memory */
	u64 pgtable;         /* page-table pages handed out after boot */
	u64 boot_alloc;      /* pages the boot allocator handed out */
	u64 free_blocks[NR_ORDERS]; /* free blocks per order (buddy lists) */
	u64 pcp;             /* free pages in the order-0 cache (in free, not
			      * in free_blocks) */
	unsigned long nr_sections_present, nr_sections_online;
};
void mm_get_stats(struct mm_stats *st);

/* Sections (= memory blocks). */
enum section_state { SECTION_ABSENT = 0, SECTION_OFFLINE, SECTION_ONLINE };
enum memmap_source { MEMMAP_NONE = 0, MEMMAP_BOOT, MEMMAP_BUDDY, MEMMAP_ON_MEMORY };
struct section_info {
	enum section_state state;
	enum memmap_source memmap_src;
	bool isolated;
	bool boot;                 /* came from the boot memory map */
	unsigned long memmap_pfn;  /* first pfn of its memmap */
	unsigned long memmap_pages;
	unsigned long present;     /* RAM pages in it */
	unsigned long reserved;    /* Reserved RAM pages in it (own memmap too) */
	const char *owner;         /* its memory_owner's name, NULL: none */
};
unsigned long mm_nr_sections(void); /* sections below arch_max_phys_addr */
int mm_section_info(unsigned long nr, struct section_info *info);
/* Pages of memmap one section needs. */
unsigned long section_memmap_pages(void);
/* Buddy order of one section's memmap when hot-add takes it from the allocator. */
unsigned int memmap_order(void);

/* Page poisoning (default on when BALLAST_DEBUG): freed pages are filled
 * with PAGE_POISON and checked when allocated again. */
#define PAGE_POISON 0xaa
extern bool page_poisoning;

/*
 * Walk every present page, free list and counter and check they agree.
 * Returns 0, or -EIO after printing what is wrong (first problem only).
 */
int mm_check_consistency(void);

#ifdef BALLAST_HOST
/* Forget all mm state (host tests re-run mm_init on a fresh boot map). */
void mm_reset_for_test(void);
#endif

#endif
