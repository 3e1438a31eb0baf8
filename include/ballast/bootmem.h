/*
 * The boot memory map, as the boot loader or hypervisor described it, plus
 * the ranges early boot must keep for itself (kernel image, boot modules,
 * page tables). Filled by arch code (multiboot2, Xen start_info,
 * hvm_start_info) before mm_init(); read by mm to build the memmap and by the
 * `e820` shell command.
 */
#ifndef BALLAST_BOOTMEM_H
#define BALLAST_BOOTMEM_H

#include <ballast/types.h>

/* E820 region types (the numbers are the BIOS ones every loader passes on). */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

#define BOOT_MEM_MAX 64
#define BOOT_RESERVE_MAX 32

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
	/* bootmem_limit_pages: nothing backs RAM at or above this (0: none). */
	u64 unbacked_from;
};

extern struct boot_mem_map boot_mem_map;

/* Add a region as the loader reported it; returns -ENOSPC when full. */
int bootmem_add_region(u64 start, u64 size, u32 type);
/* Keep [start, start+size) away from the allocator. */
int bootmem_reserve(u64 start, u64 size, const char *what);
/* Apply mem= (call after every region is added). */
void bootmem_apply_limit(u64 limit);
/*
 * Keep only the first `pages` pages of usable RAM (lowest addresses first):
 * for a platform that backs fewer pages than its map describes (a Xen
 * HVM/PVH guest in populate-on-demand mode). Lowers mem_limit; never raises.
 */
void bootmem_limit_pages(u64 pages, const char *reason);
/* Usable RAM: type RAM and below mem_limit; iterate i from 0 until false. */
bool bootmem_ram_range(int i, u64 *start, u64 *end);
/*
 * RAM a hot-add may bring in (iterate the same way): type RAM, page aligned
 * inward, including what mem= hid, but not what bootmem_limit_pages found
 * unbacked.
 */
bool bootmem_hotplug_range(int i, u64 *start, u64 *end);
const char *e820_type_name(u32 type);
void bootmem_print(void);

#endif
