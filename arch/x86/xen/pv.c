/*
 * Xen PV boot. Xen starts us in 64-bit mode on its own page tables, with
 * the image, start_info, the P2M list, the console and xenstore rings and
 * those page tables in one virtually contiguous "bootstrap" region at
 * KERNEL_VMA + pfn. Page tables are read-only to us: every change goes
 * through mmu_update (pte_write hook) and a page must lose its writable
 * mappings before it becomes a table (pv_mmu->table_prepare).
 *
 * Boot order: traps and callbacks, shared_info, console and xenstore
 * (xen_common_init), memory map clipped to nr_pages, then the direct map
 * at DIRECT_MAP_BASE built through paging.c on the PV hooks.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/arch_mm.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/p2m.h>
#include <asm/xen/setup.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/traps.h>


static unsigned long nr_pages;     /* populated pfns: [0, nr_pages) */
static phys_addr_t pml4_phys;
static unsigned long alloc_next, alloc_limit; /* early page-table pages */
/* The bootstrap alias at KERNEL_VMA maps pfns below this (see pv_unmap_alias_tail). */
static unsigned long alias_end = ~0UL;
static u8 shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static u64 phys_to_machine(phys_addr_t p)
{
	return (xen_pfn_to_mfn(PFN_DOWN(p)) << PAGE_SHIFT) | (p & ~PAGE_MASK);
}

/* ---- PV MMU hooks ------------------------------------------------------ */

static phys_addr_t pv_entry_phys(u64 entry)
{
	return PFN_PHYS(M2P[(entry & PTE_ADDR_MASK) >> PAGE_SHIFT]);
}

static phys_addr_t pv_root(void)
{
	return pml4_phys;
}

static void pv_flush(uintptr_t va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL,
				.arg1.linear_addr = va };

	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static int map_va(uintptr_t va, phys_addr_t p, u64 flags)
{
	return (int)HYPERVISOR_update_va_mapping(
		va, phys_to_machine(p) | flags, UVMF_INVLPG | UVMF_LOCAL);
}

/*
 * A page about to become a page table: drop write access from both places
 * it can be mapped, the bootstrap alias at KERNEL_VMA + p (only the early
 * region has one) and the direct map. Either alias may not exist yet (then
 * Xen refuses, which is fine): a later writable mapping of the page is
 * refused too, and pv_pte_write maps it read-only instead.
 */
static int pv_table_prepare(phys_addr_t p)
{
	if (p < PHYS(_kernel_end) + 64 * MiB && PFN_DOWN(p) < alias_end)
		map_va(KERNEL_VMA + p, p, PTE_P);
	map_va(DIRECT_MAP_BASE + p, p, PTE_P);
	return 0;
}

/* A table that was unlinked goes back to being ordinary, writable RAM. */
static void pv_table_release(phys_addr_t p)
{
	if (map_va(DIRECT_MAP_BASE + p, p, PTE_P | PTE_W))
		pr_err("pv: page table %#llx stays read-only\n",
		       (unsigned long long)p);
}

/*
 * paging.c writes physical addresses; Xen wants machine ones, and the
 * entry itself named by its machine address. A writable mapping of a page
 * that is (or was made) a page table is refused: map that one read-only.
 */
static void pv_pte_write(u64 *ptep, u64 val)
{
	struct mmu_update u;
	long rc;

	if (val & PTE_P) {
		/* A pfn without a frame (ballooned, a block just added) has
		 * nothing to map: it stays not present until populated. */
		if (xen_pfn_to_mfn(PFN_DOWN(val & PTE_ADDR_MASK)) == INVALID_P2M_ENTRY)
			return;
		val = (phys_to_machine(val & PTE_ADDR_MASK)) |
		      (val & ~PTE_ADDR_MASK);
	}
	u.ptr = phys_to_machine(virt_to_phys(ptep)) | MMU_NORMAL_PT_UPDATE;
	u.val = val;
	rc = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	if (rc < 0 && (val & PTE_W)) {
		u.val = val & ~PTE_W;
		rc = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	}
	if (rc < 0)
		panic("pv: mmu_update %#llx <- %#llx failed (%ld)",
		      (unsigned long long)u.ptr, (unsigned long long)val, rc);
}

static const struct pv_mmu_ops pv_mmu_ops = {
	.entry_phys = pv_entry_phys,
	.root = pv_root,
	.table_prepare = pv_table_prepare,
	.table_release = pv_table_release,
	.flush = pv_flush,
};

/* Until mm_init: the free pages after Xen's bootstrap elements. */
static phys_addr_t pv_early_pgtable_alloc(void)
{
	if (alloc_next >= alloc_limit)
		return 0;
	return PFN_PHYS(alloc_next++);
}

/* ---- traps and callbacks ------------------------------------------------ */

#define TRAPS(X) X(0) X(1) X(3) X(4) X(5) X(6) X(7) X(8) X(10) X(11) \
	X(12) X(13) X(14) X(16) X(17) X(18) X(19)
#define DECL(n) extern char xen_pv_trap_##n[];
TRAPS(DECL)
extern char xen_pv_event_entry[], xen_pv_failsafe_entry[];

/* Flags 4: events masked on entry, like an interrupt gate; int3 is DPL 3. */
#define ENTRY(n) { n, (n == 3 ? 3 : 0) | 4, FLAT_KERNEL_CS, \
		   (unsigned long)xen_pv_trap_##n },
static struct trap_info trap_table[] = { TRAPS(ENTRY) { 0, 0, 0, 0 } };

static void register_callback(u16 type, void *addr)
{
	struct callback_register cb = {
		.type = type,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)addr,
	};

	HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

void xen_pv_failsafe(void)
{
	panic("xen pv: failsafe callback (bad segment on return)");
}

static void pv_traps_init(void)
{
	HYPERVISOR_set_trap_table(trap_table);
	register_callback(CALLBACKTYPE_event, xen_pv_event_entry);
	register_callback(CALLBACKTYPE_failsafe, xen_pv_failsafe_entry);
}

/* ---- start_info ---------------------------------------------------------- */

/* Map the shared_info frame (a machine address) over a page of the image. */
static void pv_map_shared_info(start_info_t *si)
{
	uintptr_t va = (uintptr_t)shared_info_page;

	if (HYPERVISOR_update_va_mapping(va, si->shared_info | PTE_P | PTE_W,
					 UVMF_INVLPG | UVMF_LOCAL))
		for (;;) /* nothing to print with yet */
			HYPERVISOR_sched_op(SCHEDOP_shutdown,
					    &(struct sched_shutdown){ SHUTDOWN_crash });
	xen.shared = (struct shared_info *)shared_info_page;
}

/*
 * Save/restore (suspend.c). Before: start_info names the rings by pfn (the
 * restore reads them so), and the image page that shows shared_info maps
 * its own frame again (a PTE to a frame outside the P2M fails the save).
 * After: shared_info from start_info (a new frame in a new domain, where
 * start_info names the rings by their new mfns and gives the new ports),
 * and the P2M lists rebuilt from the P2M the restore rewrote.
 */
void xen_pv_pre_suspend(void)
{
	start_info_t *si = xen.start_info;
	uintptr_t va = (uintptr_t)shared_info_page;

	si->store_mfn = xen.store_pfn;
	si->console.domU.mfn = xen.console_pfn;
	if (HYPERVISOR_update_va_mapping(va, phys_to_machine(PHYS(va)) | PTE_P | PTE_W,
					 UVMF_INVLPG | UVMF_LOCAL))
		panic("pv: cannot unmap shared_info before the suspend");
}

u64 xen_pv_start_info_mfn(void)
{
	return phys_to_machine(PHYS(xen.start_info)) >> PAGE_SHIFT;
}

void xen_pv_post_suspend(bool cancelled)
{
	start_info_t *si = xen.start_info;

	if (cancelled) {
		si->store_mfn = xen_pfn_to_mfn(xen.store_pfn);
		si->console.domU.mfn = xen_pfn_to_mfn(xen.console_pfn);
	}
	pv_map_shared_info(si);
	xen.vcpu = &xen.shared->vcpu_info[0];
	if (cancelled)
		return;
	xen.store_evtchn = si->store_evtchn;
	xen.console_evtchn = si->console.domU.evtchn;
	if (xen_p2m_publish())
		pr_err("pv: the P2M lists could not be rebuilt: the next save fails\n");
}

/* Bootstrap-region address of a frame Xen named by its mfn. */
static void *mfn_virt(unsigned long mfn)
{
	return (void *)(KERNEL_VMA + PFN_PHYS(M2P[mfn]));
}

static void pv_rings(start_info_t *si)
{
	xen.store_pfn = M2P[si->store_mfn];
	xen.store_evtchn = si->store_evtchn;
	xen.store_ring = mfn_virt(si->store_mfn);
	xen.console_pfn = M2P[si->console.domU.mfn];
	xen.console_evtchn = si->console.domU.evtchn;
	xen.console_ring = mfn_virt(si->console.domU.mfn);
}

/*
 * libxl describes maxmem as one RAM region, but only [0, nr_pages) has
 * machine frames behind it: the rest is offline RAM (PageOffline, never
 * touched, not in the direct map) that the balloon can populate later.
 */
static void pv_memmap(void)
{
	static struct { u64 addr, size; u32 type; } __packed map[BOOT_MEM_MAX];
	struct xen_memory_map mm = { .nr_entries = BOOT_MEM_MAX };
	u64 top = PFN_PHYS(nr_pages);

	set_xen_guest_handle(mm.buffer, map);
	if (HYPERVISOR_memory_op(XENMEM_memory_map, &mm) < 0) {
		bootmem_add_region(0, top, E820_RAM);
		return;
	}
	for (unsigned i = 0; i < mm.nr_entries; i++) {
		u64 s = map[i].addr, e = map[i].addr + map[i].size;

		if (s >= e)
			continue;
		bootmem_add_region(s, e - s, map[i].type);
		if (map[i].type == E820_RAM && e > top)
			bootmem_set_offline(MAX(s, top), e - MAX(s, top),
					    "xen pv: no machine frame (past nr_pages)");
	}
}

/*
 * The direct map, in two steps: first what the early page-table pages can
 * cover, reading tables through the bootstrap alias (direct_map_base =
 * KERNEL_VMA); then the rest through the new direct map itself.
 */
static void pv_build_direct_map(void)
{
	u64 top = PFN_PHYS(nr_pages);
	u64 first = MIN(top, 128 * MiB);
	int err;

	direct_map_base = KERNEL_VMA;
	arch_pgtable_alloc = pv_early_pgtable_alloc;
	err = arch_map_range(DIRECT_MAP_BASE, 0, first);
	if (err)
		panic("pv: direct map of the first %llu MiB failed: %s",
		      (unsigned long long)(first >> 20), errno_name(err));
	direct_map_base = DIRECT_MAP_BASE;
	alloc_limit = PFN_DOWN(first);
	if (top > first && (err = arch_direct_map(first, top - first)))
		panic("pv: direct map above 128 MiB failed: %s",
		      errno_name(err));
	arch_pgtable_alloc = NULL; /* mm_init installs its own */
}

/*
 * Xen maps its bootstrap region at KERNEL_VMA too, rounded up with padding:
 * past what we keep ([0, alloc_next): kernel, Xen's elements, early tables)
 * that alias maps pages the allocator will hand out. Xen frees a released
 * frame only when no mapping holds it, so a ballooned page still mapped
 * there would stay the domain's: the host would count it, the guest not.
 * Unmap the tail (a few hundred pages; the alias is contiguous).
 */
#define ALIAS_TAIL_MAX (8 * MiB / PAGE_SIZE)
static void pv_unmap_alias_tail(void)
{
	unsigned long pfn;

	for (pfn = alloc_next; pfn < alloc_next + ALIAS_TAIL_MAX; pfn++) {
		uintptr_t va = KERNEL_VMA + PFN_PHYS(pfn);
		int err = 0;
		u64 *ptep = arch_pte_ptr(va, false, &err);

		if (!ptep || !(*ptep & PTE_P))
			break;
		if (HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG | UVMF_LOCAL))
			panic("pv: cannot unmap the bootstrap alias at %#lx", va);
	}
	alias_end = alloc_next;
	pr_info("pv: bootstrap alias unmapped past the kernel's pages: %lu KiB\n",
		(pfn - alloc_next) * (PAGE_SIZE / 1024));
}

static void pv_reserve_boot(start_info_t *si)
{
	bootmem_reserve(0, PFN_PHYS(alloc_next),
			"kernel, Xen bootstrap region, boot page tables");
	if (si->mod_start && si->mod_len)
		bootmem_reserve(PHYS(si->mod_start), si->mod_len, "boot module");
}

void xen_pv_main(start_info_t *si)
{
	phys_addr_t pt_end = PHYS(si->pt_base) + PFN_PHYS(si->nr_pt_frames);

	xen.mode = XEN_PV;
	xen.start_info = si;
	xen_p2m_init((xen_pfn_t *)si->mfn_list, si->nr_pages);
	nr_pages = si->nr_pages;
	pml4_phys = PHYS(si->pt_base);
	/* After the tables: Xen's boot stack, then >= 512 KiB of padding. */
	alloc_next = PFN_DOWN(pt_end) + 16;
	alloc_limit = alloc_next + 96;
	pv_traps_init();
	pv_map_shared_info(si);
	pv_rings(si);
	xen.cpuid_base = xen_cpuid_base();
	xen_common_init();
	cmdline_set((const char *)si->cmd_line);
	pte_write = pv_pte_write;
	pv_mmu = &pv_mmu_ops;
	pv_memmap();
	pv_build_direct_map();
	pv_unmap_alias_tail();
	pv_reserve_boot(si);
	boot_loader_name = "xen-pv";
	start_kernel();
}
