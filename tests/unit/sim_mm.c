/* Simulated physical memory for the mm unit tests (see sim_mm.h). */
#define _GNU_SOURCE
#include "sim_mm.h"
#include <ballast/arch_mm.h>
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/page.h>
#include <ballast/printk.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The arch side owns these (arch/x86/paging.c); here, this stand-in. */
phys_addr_t (*arch_pgtable_alloc)(void);
void (*arch_pgtable_free)(phys_addr_t table);

uintptr_t direct_map_base;
uintptr_t vmemmap_base;
phys_addr_t arch_max_phys_addr;

bool sim_mm_pgtables = true;
unsigned long sim_mm_pgtables_allocated;
int sim_mm_fail_direct_map, sim_mm_fail_map_range;

#define VMEMMAP_SIZE ((SIM_MM_MAX_PHYS >> PAGE_SHIFT) * sizeof(struct page))
#define PGT_CHUNK (2UL << 20)
static int memfd = -1;
static unsigned char *frames;   /* the whole memfd, always mapped (the host's view) */
static unsigned char dmapped[SIM_MM_DIRECT_MAX >> PAGE_SHIFT]; /* in the direct map */
bool (*sim_mm_backed)(unsigned long pfn);
static unsigned char pgt_have[VMEMMAP_SIZE / PGT_CHUNK + 1];
/* Tables from the buddy (after boot) go back when their chunk is empty,
 * as arch/x86/paging.c does beyond the boot reach. */
static phys_addr_t pgt_pa[VMEMMAP_SIZE / PGT_CHUNK + 1];
static unsigned short pgt_mapped[VMEMMAP_SIZE / PGT_CHUNK + 1];

static void die(const char *what)
{
	perror(what);
	abort();
}

static void init_once(void)
{
	if (memfd >= 0)
		return;
	memfd = memfd_create("ballast-phys", 0);
	if (memfd < 0)
		die("memfd_create");
	if (ftruncate(memfd, SIM_MM_MAX_PHYS))
		die("ftruncate");
	void *d = mmap(NULL, SIM_MM_DIRECT_MAX, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *v = mmap(NULL, VMEMMAP_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d == MAP_FAILED || v == MAP_FAILED)
		die("mmap reservation");
	frames = mmap(NULL, SIM_MM_DIRECT_MAX, PROT_READ | PROT_WRITE, MAP_SHARED,
		      memfd, 0);
	if (frames == MAP_FAILED)
		die("mmap of the frames");
	direct_map_base = (uintptr_t)d;
	vmemmap_base = (uintptr_t)v;
	arch_max_phys_addr = SIM_MM_MAX_PHYS;
}

static void reserve(uintptr_t va, u64 size)
{
	if (mmap((void *)va, size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		 0) == MAP_FAILED)
		die("mmap PROT_NONE");
}

static int map_phys(uintptr_t va, phys_addr_t phys, u64 size)
{
	if (mmap((void *)va, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 memfd, (off_t)phys) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

static bool fail_now(int *counter)
{
	return *counter > 0 && --*counter == 0;
}

/* The host simulation needs no page tables. */
int arch_prealloc_page_tables(void)
{
	return 0;
}

/* The part of [phys, phys+size) the direct map covers: its size. */
static u64 direct_clip(phys_addr_t phys, u64 size)
{
	return phys >= SIM_MM_DIRECT_MAX ? 0 : MIN(size, SIM_MM_DIRECT_MAX - phys);
}

int arch_direct_map(phys_addr_t phys, u64 size)
{
	if (!IS_ALIGNED(phys | size, PAGE_SIZE) || phys + size > SIM_MM_DIRECT_MAX)
		return -EINVAL;
	if (fail_now(&sim_mm_fail_direct_map))
		return -ENOMEM;
	if (map_phys(direct_map_base + phys, phys, size))
		return -ENOMEM;
	memset(dmapped + PFN_DOWN(phys), 1, PFN_DOWN(size));
	/* A frame the host has not backed stays out of reach (Xen PV);
	 * runs of them in one call. */
	for (unsigned long pfn = PFN_DOWN(phys), end = PFN_DOWN(phys + size);
	     sim_mm_backed && pfn < end; pfn++) {
		unsigned long run = pfn;

		while (run < end && !sim_mm_backed(run))
			run++;
		if (run > pfn)
			reserve(direct_map_base + PFN_PHYS(pfn), PFN_PHYS(run - pfn));
		pfn = run;
	}
	return 0;
}

bool sim_mm_is_direct_mapped(unsigned long pfn)
{
	return PFN_PHYS(pfn) < SIM_MM_DIRECT_MAX && dmapped[pfn];
}

void sim_mm_access(unsigned long pfn, unsigned long n, bool ok)
{
	unsigned long top = (unsigned long)(SIM_MM_DIRECT_MAX >> PAGE_SHIFT);

	n = pfn >= top ? 0 : MIN(n, top - pfn);
	for (unsigned long i = 0; i < n;) {
		unsigned long j = i;

		while (j < n && dmapped[pfn + j])
			j++;
		if (j > i && ok &&
		    map_phys(direct_map_base + PFN_PHYS(pfn + i), PFN_PHYS(pfn + i),
			     PFN_PHYS(j - i)))
			die("sim_mm_access");
		if (j > i && !ok)
			reserve(direct_map_base + PFN_PHYS(pfn + i), PFN_PHYS(j - i));
		i = j + 1;
	}
}

void *sim_mm_frame(phys_addr_t pa)
{
	return pa < SIM_MM_DIRECT_MAX ? frames + pa : NULL;
}

void arch_direct_unmap(phys_addr_t phys, u64 size)
{
	if (!IS_ALIGNED(phys | size, PAGE_SIZE) || phys + size > SIM_MM_MAX_PHYS)
		panic("arch_direct_unmap: bad range %#llx+%#llx",
		      (unsigned long long)phys, (unsigned long long)size);
	if (direct_clip(phys, size)) {
		reserve(direct_map_base + phys, direct_clip(phys, size));
		memset(dmapped + PFN_DOWN(phys), 0, PFN_DOWN(direct_clip(phys, size)));
	}
	/* The memory is gone: give it back to the host as well. */
	fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)phys,
		  (off_t)size);
}

int arch_map_range(uintptr_t va, phys_addr_t phys, u64 size)
{
	if (va < vmemmap_base || va + size > vmemmap_base + VMEMMAP_SIZE ||
	    !IS_ALIGNED(va | phys | size, PAGE_SIZE))
		return -EINVAL;
	if (fail_now(&sim_mm_fail_map_range))
		return -ENOMEM;
	if (sim_mm_pgtables) {
		for (uintptr_t c = (va - vmemmap_base) / PGT_CHUNK;
		     c <= (va + size - 1 - vmemmap_base) / PGT_CHUNK; c++) {
			if (pgt_have[c])
				continue;
			phys_addr_t pt = arch_pgtable_alloc ? arch_pgtable_alloc() : 0;

			if (!pt)
				return -ENOMEM;
			/* A page table must be zeroed memory. */
			const u64 *w = phys_to_virt(pt);
			for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
				if (w[i])
					panic("arch_pgtable_alloc gave a dirty page");
			pgt_have[c] = 1;
			pgt_pa[c] = arch_pgtable_free ? pt : 0;
			sim_mm_pgtables_allocated++;
		}
	}
	if (map_phys(va, phys, size))
		return -ENOMEM;
	for (uintptr_t a = va; a < va + size; a += PAGE_SIZE)
		pgt_mapped[(a - vmemmap_base) / PGT_CHUNK]++;
	return 0;
}

void arch_unmap_range(uintptr_t va, u64 size)
{
	if (va < vmemmap_base || va + size > vmemmap_base + VMEMMAP_SIZE)
		panic("arch_unmap_range: bad range");
	reserve(va, size);
	for (uintptr_t a = va; a < va + size; a += PAGE_SIZE) {
		unsigned long c = (a - vmemmap_base) / PGT_CHUNK;

		if (pgt_mapped[c] && --pgt_mapped[c] == 0 && pgt_pa[c] &&
		    arch_pgtable_free) {
			arch_pgtable_free(pgt_pa[c]);
			pgt_pa[c] = 0;
			pgt_have[c] = 0;
			sim_mm_pgtables_allocated--;
		}
	}
}

void sim_mm_reset(void)
{
	init_once();
#ifdef BALLAST_HOST
	mm_reset_for_test();
#endif
	reserve(direct_map_base, SIM_MM_DIRECT_MAX);
	memset(dmapped, 0, sizeof(dmapped));
	sim_mm_backed = NULL;
	reserve(vmemmap_base, VMEMMAP_SIZE);
	fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		  (off_t)SIM_MM_MAX_PHYS);
	memset(&boot_mem_map, 0, sizeof(boot_mem_map));
	boot_mem_map.mem_limit = ~0ULL;
	memset(pgt_have, 0, sizeof(pgt_have));
	memset(pgt_pa, 0, sizeof(pgt_pa));
	memset(pgt_mapped, 0, sizeof(pgt_mapped));
	sim_mm_pgtables_allocated = 0;
	sim_mm_pgtables = true;
	sim_mm_fail_direct_map = sim_mm_fail_map_range = 0;
	arch_pgtable_alloc = NULL;
	arch_pgtable_free = NULL;
}

void sim_mm_start(void)
{
	u64 s, e;

	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		if (direct_clip(s, e - s) &&
		    arch_direct_map(s, direct_clip(s, e - s)))
			die("direct map of boot RAM");
	/* Offline RAM has no frame behind it (Xen PV): touching it faults. */
	for (int i = 0; bootmem_offline_range(i, &s, &e); i++)
		if (e > s && e <= SIM_MM_MAX_PHYS && direct_clip(s, e - s))
			reserve(direct_map_base + s, direct_clip(s, e - s));
	mm_init();
}

void sim_mm_boot_default(void)
{
	sim_mm_reset();
	bootmem_add_region(0, 640 << 10, E820_RAM);
	bootmem_add_region(640 << 10, (1 << 20) - (640 << 10), E820_RESERVED);
	bootmem_add_region(1 << 20, 2 * SECTION_SIZE - (1 << 20), E820_RAM);
	/* RAM mem= hides, for the hotplug tests to add (boot map: RAM). */
	bootmem_add_region(2 * SECTION_SIZE, SIM_MM_MAX_PHYS - 2 * SECTION_SIZE,
			   E820_RAM);
	bootmem_apply_limit(2 * SECTION_SIZE);
	bootmem_reserve(1 << 20, 2 << 20, "kernel");
	bootmem_reserve(3 << 20, 256 << 10, "initrd");
	sim_mm_start();
}

void sim_mm_direct_map_page(phys_addr_t pa)
{
	if (pa >= SIM_MM_DIRECT_MAX || map_phys(direct_map_base + pa, pa, PAGE_SIZE))
		die("sim_mm_direct_map_page");
	dmapped[PFN_DOWN(pa)] = 1;
}

void sim_mm_direct_unmap_page(phys_addr_t pa)
{
	if (pa >= SIM_MM_DIRECT_MAX)
		return;
	reserve(direct_map_base + pa, PAGE_SIZE);
	dmapped[PFN_DOWN(pa)] = 0;
}
