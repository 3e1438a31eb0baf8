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
/* -EPERM for a block with an owner (below). */
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
/*
 * The global callback: for blocks without an owner (an owned block uses
 * its owner's, see struct memory_owner). Only while generic_online_page
 * is installed, else -EINVAL.
 */
int set_online_page_callback(online_page_callback_t cb);
/* Only with the installed callback, else -EINVAL. */
int restore_online_page_callback(online_page_callback_t cb);

/*
 * Memory block owners. A driver that adds memory of its own (the balloon's
 * hot-added blocks, virtio-mem's device memory) registers an owner once and
 * adds its blocks with add_memory_driver_managed: from then until
 * remove_memory_driver_managed the block is the owner's. Whoever onlines an
 * owned block (the driver itself, or `chmem -e` from the shell), its pages
 * go through the owner's online_page callback, not the global one; and the
 * owner's notify() hears the events of its own blocks, one block at a time,
 * before the memory notifier chain does. So two drivers share mm without
 * installing callbacks around each other's onlines (the Xen balloon and
 * virtio-mem in one HVM guest). Blocks without an owner (boot memory,
 * `memhotplug add`) use the global callback (set_online_page_callback).
 */
struct memory_owner {
	const char *name; /* lsmem's OWNER column: "balloon", "virtio-mem" */
	/* Pages of its blocks being onlined, as online_page_callback_t;
	 * NULL: generic_online_page. */
	online_page_callback_t online_page;
	/*
	 * A MEM_* event (memory.h) of one of its blocks, before the chain.
	 * MEM_GOING_ONLINE and MEM_GOING_OFFLINE may refuse with a negative
	 * errno; then every party gets the CANCEL event, the owner too (even
	 * when it was the one that refused, or was not asked yet: CANCEL
	 * must be harmless without its GOING). MEM_GOING_OFFLINE is where an
	 * owner drops its PageOffline pages' references so that offlining
	 * skips them; MEM_CANCEL_OFFLINE takes them again. NULL: agrees.
	 */
	int (*notify)(struct memory_owner *owner, unsigned long action,
		      unsigned long block);
	void *priv;       /* the driver's */
	u8 id;            /* 1..MEMORY_OWNERS_MAX, set by register_memory_owner */
};
#define MEMORY_OWNERS_MAX 4
/* 0; -EINVAL without a name or registered twice; -ENOSPC when all are taken. */
int register_memory_owner(struct memory_owner *owner);
/* Forget an owner that owns no block (-EBUSY otherwise). */
int unregister_memory_owner(struct memory_owner *owner);
/* add_memory, and every block of the range is the registered owner's. */
int add_memory_driver_managed(phys_addr_t start, u64 size, unsigned int flags,
			      struct memory_owner *owner);
/*
 * remove_memory of blocks that are owner's (-EPERM, changing nothing, when
 * one is not). Plain remove_memory refuses owned blocks with -EPERM and a
 * line naming the owner: only the driver that answers for a block's frames
 * may make it go away.
 */
int remove_memory_driver_managed(phys_addr_t start, u64 size,
				 struct memory_owner *owner);
/* The owner of block (NULL: none, absent, or out of range). */
struct memory_owner *memory_block_owner(unsigned long block);

#endif
