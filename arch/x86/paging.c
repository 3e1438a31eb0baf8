/*
 * x86_64 page tables for the direct map and the vmemmap (the arch half of
 * include/ballast/arch_mm.h). The boot code maps the first 4 GiB with 2 MiB
 * pages; everything else (boot RAM above 4 GiB too) is built here with pages
 * from arch_pgtable_alloc.
 *
 * All writes to page-table entries go through pte_write so a paravirtual
 * backend (Xen PV, whose page tables are read-only to the guest) can route
 * them through the hypervisor.
 */
#include <ballast/arch_mm.h>
#include <ballast/boot_mem_map.h>
#include <ballast/page.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/paging.h>

uintptr_t direct_map_base = DIRECT_MAP_BASE;
uintptr_t vmemmap_base = VMEMMAP_BASE;
phys_addr_t arch_max_phys_addr = 64 * GiB;
phys_addr_t (*arch_pgtable_alloc)(void);
void (*arch_pgtable_free)(phys_addr_t table);

static void native_pte_write(u64 *ptep, u64 val)
{
	*(volatile u64 *)ptep = val;
}

void (*pte_write)(u64 *ptep, u64 val) = native_pte_write;
/* Xen PV sets this (arch/x86/xen/pv.c); NULL means native paging. */
const struct pv_mmu_ops *pv_mmu;

static u64 *table_virt(u64 entry)
{
	if (pv_mmu)
		return phys_to_virt(pv_mmu->entry_phys(entry));
	return phys_to_virt(entry & PTE_ADDR_MASK);
}

static void flush_va(uintptr_t va)
{
	if (pv_mmu)
		pv_mmu->flush(va);
	else
		invlpg(va);
}

static int level_shift(int level)
{
	return 12 + 9 * (level - 1); /* level 4: PML4 ... level 1: PT */
}

static u64 *new_table(void)
{
	phys_addr_t p = arch_pgtable_alloc ? arch_pgtable_alloc() : 0;

	if (!p)
		return NULL;
	memset(phys_to_virt(p), 0, PAGE_SIZE);
	if (pv_mmu && pv_mmu->table_prepare(p))
		return NULL; /* could not make it read-only */
	return phys_to_virt(p);
}

/* Split a 2 MiB mapping into 512 4 KiB ones so part of it can change. */
static int split_large(u64 *pde)
{
	u64 *pt = new_table();
	u64 base = *pde & PTE_ADDR_MASK & ~(u64)(2 * MiB - 1);
	u64 flags = *pde & (PTE_P | PTE_W);

	if (!pt)
		return -ENOMEM;
	for (int i = 0; i < 512; i++)
		pte_write(&pt[i], (base + i * PAGE_SIZE) | flags);
	pte_write(pde, virt_to_phys(pt) | PTE_P | PTE_W);
	return 0;
}

/*
 * Walks to the entry for va at `level` (1 = 4 KiB PTE, 2 = 2 MiB PDE),
 * creating tables when create is set. Returns NULL when absent or on
 * allocation failure; *err tells which.
 */
static u64 *walk(uintptr_t va, int level, bool create, int *err)
{
	u64 *table = pv_mmu ? phys_to_virt(pv_mmu->root())
			    : phys_to_virt(read_cr3() & PTE_ADDR_MASK);

	*err = 0;
	for (int l = 4; l > level; l--) {
		u64 *e = &table[(va >> level_shift(l)) & 511];
		if (!(*e & PTE_P)) {
			u64 *t = create ? new_table() : NULL;
			if (!t) {
				*err = create ? -ENOMEM : -ENOENT;
				return NULL;
			}
			pte_write(e, virt_to_phys(t) | PTE_P | PTE_W);
		} else if ((*e & PTE_PS) && l == 2) {
			if (!create) {
				*err = -EEXIST; /* covered by a large page */
				return NULL;
			}
			if ((*err = split_large(e)))
				return NULL;
		}
		table = table_virt(*e);
	}
	return &table[(va >> level_shift(level)) & 511];
}

u64 *arch_pte_ptr(uintptr_t va, bool create, int *err)
{
	return walk(va, 1, create, err);
}

/*
 * An entry that was not present cannot be in the TLB: only a replaced one
 * is flushed (under Xen PV each flush is a hypercall, and a hot-added
 * block's 32,768 direct-map entries are all new).
 */
static void set_entry(u64 *e, u64 val, uintptr_t va)
{
	u64 old = *e;

	pte_write(e, val);
	if (old & PTE_P)
		flush_va(va);
}

static int map_large(uintptr_t va, phys_addr_t pa)
{
	int err;
	u64 *e = walk(va, 2, true, &err);

	if (!e)
		return err;
	if ((*e & PTE_P) && !(*e & PTE_PS))
		return -EEXIST;
	set_entry(e, pa | PTE_P | PTE_W | PTE_PS, va);
	return 0;
}

/* 4 KiB entries from va to the end of its page table, at most size bytes
 * (rounded up to a page): what one walk to the table serves. */
static u64 ptes_in_table(uintptr_t va, u64 size)
{
	return ALIGN_UP(MIN(size, ALIGN_UP(va + 1, 2 * MiB) - va), PAGE_SIZE) / PAGE_SIZE;
}

/* 4 KiB entries from va to the end of its page table or of size: one walk
 * for up to 512 of them. *done: bytes mapped. */
static int map_ptes(uintptr_t va, phys_addr_t pa, u64 size, u64 *done)
{
	int err;
	u64 *pte = walk(va, 1, true, &err);
	u64 n = ptes_in_table(va, size);

	if (!pte)
		return err;
	for (u64 i = 0; i < n; i++)
		set_entry(&pte[i], (pa + i * PAGE_SIZE) | PTE_P | PTE_W, va + i * PAGE_SIZE);
	*done = n * PAGE_SIZE;
	return 0;
}

int arch_map_range(uintptr_t va, phys_addr_t pa, u64 size)
{
	for (u64 off = 0; off < size;) {
		bool big = !pv_mmu && IS_ALIGNED(va + off, 2 * MiB) &&
			   IS_ALIGNED(pa + off, 2 * MiB) &&
			   size - off >= 2 * MiB;
		int err = big ? map_large(va + off, pa + off) : -EEXIST;
		u64 step = 2 * MiB;

		if (err == -EEXIST) /* a 4 KiB table is there: keep using it */
			err = map_ptes(va + off, pa + off, size - off, &step);
		if (err) {
			arch_unmap_range(va, off);
			return err;
		}
		off += step;
	}
	return 0;
}

/*
 * How far the tables built at boot reach: the boot memory map's top (for
 * Xen that is maxmem), in whole GiB. Hot-add beyond builds its tables from
 * the allocator and gives them back when the block goes.
 */
static u64 prealloc_reach;

static u64 vmemmap_bytes(void)
{
	return PFN_DOWN(prealloc_reach) * (u64)sizeof(struct page);
}

static u64 boot_map_top(void)
{
	return MIN(ALIGN_UP(MAX(bootmem_map_top(), GiB), GiB), arch_max_phys_addr);
}

/* What the entry code (boot_multiboot2.S) maps with its 2 MiB pages. */
#define BOOT_DIRECT_MAP_END (4 * GiB)

/*
 * Native boot: the entry code maps only the first 4 GiB, so RAM above it
 * (QEMU puts RAM there from 3.5 GiB up) gets its direct map here, before
 * mm_init touches it. Xen PV built its whole direct map in pv.c.
 */
static int map_boot_ram_high(void)
{
	u64 s, e;
	int err;

	if (pv_mmu)
		return 0;
	for (int i = 0; bootmem_ram_range(i, &s, &e); i++) {
		s = MAX(s, BOOT_DIRECT_MAP_END);
		e = MIN(e, arch_max_phys_addr);
		if (s < e && (err = arch_direct_map(s, e - s)))
			return err;
	}
	return 0;
}

int arch_prealloc_page_tables(void)
{
	int err;

	prealloc_reach = boot_map_top();
	/* Direct map: page directories (2 MiB entries) for every GiB. */
	for (u64 pa = 0; pa < prealloc_reach; pa += GiB)
		if (!walk(direct_map_base + pa, 2, true, &err))
			return err;
	/* vmemmap: 4 KiB page tables, as 16-byte struct pages of one
	 * section rarely fill a whole 2 MiB mapping. */
	for (u64 off = 0; off < vmemmap_bytes(); off += 2 * MiB)
		if (!walk(vmemmap_base + off, 1, true, &err))
			return err;
	return map_boot_ram_high();
}

/* Built at boot (never given back): below the reach, or the entry code's. */
static bool boot_table(uintptr_t va)
{
	if (va >= vmemmap_base && va < vmemmap_base + vmemmap_bytes())
		return true;
	if (va >= direct_map_base && va < direct_map_base + prealloc_reach)
		return true;
	return !pv_mmu && va >= direct_map_base &&
	       va < direct_map_base + BOOT_DIRECT_MAP_END;
}

/* The table an entry points to, when every entry of it is empty. */
static u64 *empty_table(u64 *entry)
{
	u64 *t;

	if (!entry || !(*entry & PTE_P) || (*entry & PTE_PS))
		return NULL;
	t = table_virt(*entry);
	for (int i = 0; i < 512; i++)
		if (t[i])
			return NULL;
	return t;
}

static void free_table(u64 *entry, u64 *table, uintptr_t va)
{
	phys_addr_t pa = virt_to_phys(table); /* Xen PV: the entry is a machine frame */

	pte_write(entry, 0);
	flush_va(va); /* also drops paging-structure caches */
	if (pv_mmu)
		pv_mmu->table_release(pa);
	arch_pgtable_free(pa);
}

/*
 * After an unmap: give back a 4 KiB table that nothing is left in (one
 * that splitting a 2 MiB direct-map page created, or one beyond the boot
 * reach), and beyond the reach its page directory too, so add/remove
 * cycles leave free memory exactly as it was.
 */
static void free_empty_pd(uintptr_t va)
{
	int err;
	u64 *pdpte, *t;

	if (!arch_pgtable_free || boot_table(va))
		return;
	pdpte = walk(va, 3, false, &err);
	if ((t = empty_table(pdpte)))
		free_table(pdpte, t, va);
}

static void free_empty_pt(uintptr_t va)
{
	int err;
	u64 *pde, *t;

	if (!arch_pgtable_free || (boot_table(va) &&
	    va >= vmemmap_base && va < vmemmap_base + vmemmap_bytes()))
		return;
	pde = walk(va, 2, false, &err);
	if ((t = empty_table(pde)))
		free_table(pde, t, va);
	free_empty_pd(va);
}

/* Clear the 4 KiB entries of one page table from va, n of them: those
 * already clear are left alone (a ballooned PV page's is; each write
 * there is a hypercall). */
static void clear_ptes(u64 *pte, uintptr_t va, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (pte[i])
			set_entry(&pte[i], 0, va + i * PAGE_SIZE);
}

void arch_unmap_range(uintptr_t va, u64 size)
{
	for (u64 off = 0; off < size;) {
		uintptr_t a = va + off;
		u64 n = ptes_in_table(a, size - off);
		int err;
		u64 *pde = walk(a, 2, false, &err), *pte = NULL;

		if (pde && (*pde & PTE_PS) && IS_ALIGNED(a, 2 * MiB) &&
		    size - off >= 2 * MiB) {
			set_entry(pde, 0, a);
			off += 2 * MiB;
			if (IS_ALIGNED(va + off, GiB) || off >= size)
				free_empty_pd(va + off - 2 * MiB);
			continue;
		}
		if (pde && (*pde & PTE_P)) /* partial large page: split it */
			pte = walk(a, 1, (*pde & PTE_PS) != 0, &err);
		if (pte)
			clear_ptes(pte, a, n);
		off += n * PAGE_SIZE;
		if (pte)
			free_empty_pt(va + off - PAGE_SIZE);
	}
}

int arch_direct_map(phys_addr_t phys, u64 size)
{
	if (phys + size > arch_max_phys_addr)
		return -ERANGE;
	return arch_map_range(direct_map_base + phys, phys, size);
}

void arch_direct_unmap(phys_addr_t phys, u64 size)
{
	arch_unmap_range(direct_map_base + phys, size);
}

/* Drop the identity map the 32-bit entry needed: NULL must fault. */
void paging_drop_identity(void)
{
	u64 *pml4 = phys_to_virt(read_cr3() & PTE_ADDR_MASK);

	pte_write(&pml4[0], 0);
	write_cr3(read_cr3());
}
