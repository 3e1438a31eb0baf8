/*
 * Memory hotplug (Linux mm/memory_hotplug.c):
 *
 *   add_memory     absent -> present-offline: sections, memmap, direct map
 *   online_pages   offline -> online: pages go through the online_page hook
 *   offline_pages  online -> offline: every page must be free or agree
 *   remove_memory  present-offline -> absent
 *
 * Ranges are whole memory blocks (sections). Errors are negative errno and
 * leave everything as it was.
 */
#ifndef BALLAST_MEMORY_HOTPLUG_H
#define BALLAST_MEMORY_HOTPLUG_H

#include <ballast/types.h>
#include <ballast/page.h>

/* add_memory flags */
#define MHP_NONE 0
/* Carve each section's memmap from the start of that section itself. */
#define MHP_MEMMAP_ON_MEMORY (1u << 0)
/*
 * The caller answers for the whole range (a balloon driver that populates
 * it from the hypervisor as it goes): every page becomes RAM, PageOffline
 * until onlined; with memmap-on-memory the memmap pages must already have
 * memory behind them, the rest need not (the driver's online_page hook
 * keeps those PageOffline). Without
 * it, add_memory lays each block out as the boot memory map describes it
 * (bootmem_hotplug_range): what the map does not call RAM stays a hole, and
 * a block with no RAM at all, or (memmap-on-memory) without RAM where its
 * memmap would go, is refused with -ENXIO.
 */
#define MHP_BACKED (1u << 1)

int add_memory(phys_addr_t start, u64 size, unsigned int flags);
int remove_memory(phys_addr_t start, u64 size);
int online_pages(unsigned long pfn, unsigned long nr_pages);
int offline_pages(unsigned long pfn, unsigned long nr_pages);

/* Block (section number) convenience wrappers. */
int online_memory_block(unsigned long block);
int offline_memory_block(unsigned long block);

/*
 * Offline blocks: true. Online blocks: true when offlining would find nothing
 * in use right now (free pages, skippable PageOffline, holes, own memmap).
 */
bool is_memory_block_removable(unsigned long block);

/*
 * The online_page hook gets every page of a block being onlined, in naturally
 * aligned chunks of 2^order pages, as PageOffline pages with refcount 1.
 * generic_online_page frees them to the buddy allocator, except pages marked
 * PG_offline_skippable: those were skipped PageOffline pages when the block
 * went offline (a driver's unplugged/ballooned memory) and stay PageOffline.
 * A driver's hook can keep any page PageOffline (not freeing it keeps it out
 * of the allocator) and pass the rest to generic_online_page; it can tell its
 * own pages by PageOfflineSkippable().
 */
typedef void (*online_page_callback_t)(struct page *page, unsigned int order);
void generic_online_page(struct page *page, unsigned int order);
/* Only while generic_online_page is installed, else -EINVAL. */
int set_online_page_callback(online_page_callback_t cb);
/* Only with the installed callback, else -EINVAL. */
int restore_online_page_callback(online_page_callback_t cb);

#endif
