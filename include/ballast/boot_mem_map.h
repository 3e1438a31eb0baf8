/*
 * The boot memory map, as the boot loader or hypervisor described it, plus
 * the ranges early boot must keep for itself (kernel image, boot modules,
 * page tables). Filled by arch code (multiboot2, Xen start_info,
 * hvm_start_info) before mm_init(); read by mm to build the memmap and by the
 * `e820` shell command.
 */
#ifndef BALLAST_BOOT_MEM_MAP_H
#define BALLAST_BOOT_MEM_MAP_H

#include <ballast/types.h>

/* E820 region types (the numbers are the BIOS ones every loader passes on). */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

#define BOOT_MEM_MAX 64
#define BOOT_RESERVE_MAX 32
#define BOOT_OFFLINE_MAX 8

struct mem_region {
	u64 start;
	u64 size;
	u32 type;
};

struct boot_reserve {
	u64 start;
	u64 size;
	const char *what;
};

struct boot_mem_map {
	int nr;
	struct mem_region r[BOOT_MEM_MAX];
	int nr_reserved;
	struct boot_reserve resv[BOOT_RESERVE_MAX];
	/* mem=: RAM at or above this is ignored (~0 = no limit). */
	u64 mem_limit;
	/* RAM the map had above mem_limit, for the e820 command. */
	u64 ignored_ram;
	/* Why mem_limit is set: "mem=", or the platform's reason. */
	const char *limit_reason;
	/* RAM that is in the map but must not be touched (bootmem_set_offline). */
	int nr_offline;
	struct boot_reserve offline[BOOT_OFFLINE_MAX];
};

extern struct boot_mem_map boot_mem_map;

/* Add a region as the loader reported it; returns -ENOSPC when full. */
int bootmem_add_region(u64 start, u64 size, u32 type);
/* Keep [start, start+size) away from the allocator. */
int bootmem_reserve(u64 start, u64 size, const char *what);
/* Apply mem= (call after every region is added). */
void bootmem_apply_limit(u64 limit);
/*
 * RAM the map describes but the platform has not backed, or must not be
 * touched yet: a Xen PV guest's pfns past nr_pages, populate-on-demand
 * memory beyond the target. mm_init gives these pages a memmap but makes
 * them PageOffline (refcount 1, not managed, never touched); a driver (the
 * balloon) takes them over with bootmem_offline_range.
 */
int bootmem_set_offline(u64 start, u64 size, const char *what);
/*
 * Set offline all usable RAM after the first `pages` pages (lowest addresses
 * first): for a platform that backs fewer pages than its map describes (a
 * Xen HVM/PVH guest in populate-on-demand mode).
 */
int bootmem_offline_beyond(u64 pages, const char *what);
/* The i-th offline range, page aligned inward and clipped to usable RAM. */
bool bootmem_offline_range(int i, u64 *start, u64 *end);
/* Usable RAM: type RAM and below mem_limit; iterate i from 0 until false. */
bool bootmem_ram_range(int i, u64 *start, u64 *end);
/* Usable RAM pages of [pfn, end) (blocks that came up absent included). */
unsigned long bootmem_ram_pages(unsigned long pfn, unsigned long end);
/* End of the highest map entry, whatever its type. */
u64 bootmem_map_top(void);
/*
 * RAM a hot-add may bring in (iterate the same way): type RAM, page aligned
 * inward, including what mem= hid, but not the offline ranges (nothing
 * backs them: only a driver that backed them itself adds them, MHP_BACKED).
 */
bool bootmem_hotplug_range(int i, u64 *start, u64 *end);
const char *e820_type_name(u32 type);
void bootmem_print(void);

#endif
