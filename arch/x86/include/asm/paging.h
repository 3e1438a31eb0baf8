/* x86_64 page-table entry bits and ballast's paging helpers. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <ballast/types.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4) /* with PWT: PAT entry 3, uncached */
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

extern void (*pte_write)(u64 *ptep, u64 val);

/*
 * Paravirtual MMU (Xen PV): entries hold machine frames, the root cannot be
 * read from CR3, a page must be read-only everywhere before it becomes a
 * page table, TLB flushes and large pages are not the guest's to do.
 */
struct pv_mmu_ops {
	phys_addr_t (*entry_phys)(u64 entry); /* where an entry points */
	phys_addr_t (*root)(void);            /* the PML4 in use */
	int (*table_prepare)(phys_addr_t table); /* before it is linked */
	void (*table_release)(phys_addr_t table); /* unlinked: writable again */
	void (*flush)(uintptr_t va);
};
extern const struct pv_mmu_ops *pv_mmu;
void paging_drop_identity(void);
/*
 * The 4 KiB page-table entry for va, creating the tables above it when
 * `create` (a 2 MiB mapping there is split). NULL with *err set when absent
 * or out of memory. For callers that batch their own entry updates (Xen PV).
 */
u64 *arch_pte_ptr(uintptr_t va, bool create, int *err);

#endif
