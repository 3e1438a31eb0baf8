/* x86_64 page-table entry bits and ballast's paging helpers. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <ballast/types.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

extern void (*pte_write)(u64 *ptep, u64 val);
void paging_drop_identity(void);

#endif
