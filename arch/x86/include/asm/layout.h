/* x86_64 virtual memory layout of ballast. */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#define KERNEL_VMA 0xffffffff80000000
/* Direct map and vmemmap sit where Linux puts them: clear of Xen PV's hole. */
#define DIRECT_MAP_BASE 0xffff888000000000
#define VMEMMAP_BASE 0xffffea0000000000
/* Uncached device registers (arch_ioremap), a window of their own. */
#define IOREMAP_BASE 0xffffc90000000000
#define IOREMAP_SIZE (1ULL << 30)

#define BOOT_STACK_SIZE 16384

#ifndef __ASSEMBLY__
#define PHYS(x) ((unsigned long)(x) - KERNEL_VMA)
extern char _kernel_start[], _kernel_end[];
#endif

#endif
