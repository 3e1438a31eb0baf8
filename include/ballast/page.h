/*
 * struct page and the physical memory model (sparse sections + vmemmap).
 *
 * Physical memory is cut into sections of SECTION_SIZE (SECTION_SIZE_MB from
 * the build, default 128 MiB). A section is absent, present-offline or
 * online; one section is one memory block, the unit of online, offline and
 * removal. Every pfn below arch_max_phys_addr has a slot in the virtually
 * contiguous memmap at vmemmap_base, but only the slots of present sections
 * are backed by memory (arch_map_range), so pfn_to_page is plain arithmetic
 * and touching the struct page of an absent section faults.
 */
#ifndef BALLAST_PAGE_H
#define BALLAST_PAGE_H

#include <ballast/types.h>
#include <ballast/arch_mm.h>

#ifndef SECTION_SIZE_MB
#define SECTION_SIZE_MB 128
#endif
#define SECTION_SIZE ((u64)SECTION_SIZE_MB * MiB)
#define PAGES_PER_SECTION ((unsigned long)(SECTION_SIZE >> PAGE_SHIFT))
#define pfn_to_section_nr(pfn) ((unsigned long)(pfn) / PAGES_PER_SECTION)
#define section_nr_to_pfn(nr) ((unsigned long)(nr) * PAGES_PER_SECTION)

/* Buddy orders 0..MAX_ORDER inclusive: MAX_ORDER 10 is a 4 MiB block. */
#define MAX_ORDER 10
#define NR_ORDERS (MAX_ORDER + 1)
#define MAX_ORDER_NR_PAGES (1UL << MAX_ORDER)

/* Free-list links are 32-bit pfns (16 TiB of physical address space). */
#define PFN_NONE 0xffffffffu

/* Page types (page->type). */
enum page_type {
	PGTY_RESERVED = 0, /* not managed: boot reservations, holes, memmap */
	PGTY_BUDDY,        /* head of a free block, on a free list; order valid */
	PGTY_FREE,         /* free, inside (not head of) a free block */
	PGTY_ALLOC,        /* allocated; the head holds refcount and order */
	PGTY_OFFLINE,      /* PageOffline: offline section, or kept by a driver */
	PGTY_REPORTING,    /* head of a free block out for a report (page_reporting.h):
			    * neither free nor allocated; order valid, the rest PGTY_FREE */
	PGTY_PCP,          /* free order-0 page in the order-0 cache (mm/pcp.c), on no
			    * free list: counted free; order, flags, refcount 0 */
};

/* page->flags */
#define PG_offline_skippable 0x0001 /* PageOffline page that offlining may skip */
#define PG_hole 0x0002              /* reserved: no RAM behind this pfn */
#define PG_vmemmap 0x0004           /* reserved: holds memmap (memmap-on-memory) */
#define PG_head 0x0008              /* first page of an allocated block */
#define PG_pgtable 0x0010           /* allocated for arch page tables */
#define PG_reported 0x0020          /* buddy head, order >= REPORTING_ORDER: the host has it */

/*
 * struct page: 16 bytes, one per 4 KiB page (0.39% overhead).
 *
 *   lru.next/lru.prev  (8) Buddy heads: doubly linked free list through pfns,
 *                          not pointers, so two links fit in 8 bytes.
 *                          PFN_NONE ends the list. For allocated and
 *                          PageOffline pages the same 8 bytes are `private`,
 *                          free for the owner (a balloon driver can chain its
 *                          pages through it).
 *   refcount           (4) get_page/put_page on allocated heads; the owner's
 *                          reference on PageOffline pages (a driver dropping
 *                          it during MEM_GOING_OFFLINE lets offlining skip
 *                          the page).
 *   type               (1) enum page_type above: exactly one per page.
 *   order              (1) Buddy heads: block order (which free list);
 *                          allocated heads: order of the allocation, so
 *                          put_page can free the whole block.
 *   flags              (2) PG_* above, e.g. PG_offline_skippable (kept while
 *                          the block is offline so the owning driver's
 *                          online hook can tell the page was its own).
 */
struct page {
	union {
		struct {
			u32 next;
			u32 prev;
		} lru;
		u64 private;
	};
	u32 refcount;
	u8 type;
	u8 order;
	u16 flags;
};

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return (struct page *)vmemmap_base + pfn;
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - (const struct page *)vmemmap_base);
}

static inline phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

static inline void *page_address(const struct page *page)
{
	return phys_to_virt(page_to_phys(page));
}

static inline struct page *virt_to_page(const void *v)
{
	return pfn_to_page(PFN_DOWN(virt_to_phys(v)));
}

static inline bool PageBuddy(const struct page *p) { return p->type == PGTY_BUDDY; }
static inline bool PageReserved(const struct page *p) { return p->type == PGTY_RESERVED; }
static inline bool PageOffline(const struct page *p) { return p->type == PGTY_OFFLINE; }
static inline bool PageAllocated(const struct page *p) { return p->type == PGTY_ALLOC; }
static inline bool PageReported(const struct page *p)
{
	return p->type == PGTY_BUDDY && (p->flags & PG_reported);
}
static inline bool PageReporting(const struct page *p) { return p->type == PGTY_REPORTING; }
static inline bool PagePcp(const struct page *p) { return p->type == PGTY_PCP; }
/* Free memory: in a buddy block, or in the order-0 cache. */
static inline bool PageFree(const struct page *p)
{
	return p->type == PGTY_BUDDY || p->type == PGTY_FREE || p->type == PGTY_PCP;
}
static inline bool PageOfflineSkippable(const struct page *p)
{
	return p->type == PGTY_OFFLINE && (p->flags & PG_offline_skippable);
}
/* Only meaningful on PageOffline pages (BUG otherwise). */
void SetPageOfflineSkippable(struct page *p);
void ClearPageOfflineSkippable(struct page *p);

static inline u32 page_count(const struct page *p) { return p->refcount; }
/* Raw reference changes, for PageOffline owners (never frees anything). */
static inline void page_ref_inc(struct page *p) { p->refcount++; }
static inline void page_ref_dec(struct page *p) { p->refcount--; }

const char *page_type_name(const struct page *p);

#endif
