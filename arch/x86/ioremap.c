/*
 * arch_ioremap (include/ballast/io.h): device registers get 4 KiB mappings
 * with PCD|PWT in a window of their own. The direct map's 2 MiB pages also
 * cover the PCI hole below 4 GiB, write-back; those are never used for
 * registers (on real hardware the MTRRs make the hole uncached as well).
 * Addresses are handed out upward and never reused: devices stay.
 */
#include <ballast/io.h>
#include <ballast/printk.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/paging.h>

static uintptr_t ioremap_next = IOREMAP_BASE;

static int map_page(uintptr_t va, phys_addr_t pa)
{
	int err;
	u64 *pte = arch_pte_ptr(va, true, &err);

	if (!pte)
		return err;
	pte_write(pte, pa | PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	invlpg(va);
	return 0;
}

void *arch_ioremap(phys_addr_t phys, u64 size)
{
	phys_addr_t start = ALIGN_DOWN(phys, PAGE_SIZE);
	u64 len;
	uintptr_t va = ioremap_next;

	if (pv_mmu || !size || phys + size < phys)
		return NULL; /* PV: page-table entries hold machine frames */
	len = ALIGN_UP(phys + size, PAGE_SIZE) - start;
	/* One unmapped page after each mapping: an overrun faults. */
	if (len + PAGE_SIZE > IOREMAP_BASE + IOREMAP_SIZE - va)
		return NULL;
	ioremap_next = va + len + PAGE_SIZE;
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		int err = map_page(va + off, start + off);

		if (err) {
			pr_err("ioremap %#llx+%#llx: %d\n", (unsigned long long)phys,
			       (unsigned long long)size, err);
			return NULL; /* those addresses stay used */
		}
	}
	return (void *)(va + (phys - start));
}
