/* Early setup shared by the x86 boot paths (arch/x86/setup.c). */
#ifndef ASM_SETUP_H
#define ASM_SETUP_H

#include <ballast/types.h>

/* Traps, PIC, serial console, Xen HVM detection. */
void arch_early_init(void);
/* Keep the kernel image away from the allocator (multiboot2, PVH). */
void arch_reserve_kernel_image(void);
/* The multiboot2 entry (from head32.S). */
void multiboot2_main(u32 magic, u32 info) __noreturn;

#endif
