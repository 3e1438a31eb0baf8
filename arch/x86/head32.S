/*
 * Multiboot2 entry (GRUB, bare metal and Xen HVM): 32-bit protected mode,
 * paging off, %eax = magic, %ebx = physical address of the boot information.
 * Builds the boot page tables, enters long mode and calls
 * multiboot2_main(magic, info) on the high-half kernel mapping.
 *
 * The code is linked high but runs at its physical address until the far
 * jump, so every absolute address here goes through PHYS().
 */
#include <asm/layout.h>

#define PHYS(x) ((x) - KERNEL_VMA)
#define MB2_MAGIC 0xe85250d6

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0				/* architecture: i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	.balign 8			/* end tag */
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl $PHYS(boot_stack_top), %esp
	movl %eax, PHYS(mb_magic)
	movl %ebx, PHYS(mb_info)

	/* PML4: identity (for this code), direct map, high kernel map. */
	movl $PHYS(boot_pdpt_low) + 3, %eax
	movl %eax, PHYS(boot_pml4)
	movl %eax, PHYS(boot_pml4) + 273 * 8	/* DIRECT_MAP_BASE */
	movl $PHYS(boot_pdpt_kernel) + 3, %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8

	/* The first 4 GiB through four page directories of 2 MiB pages. */
	movl $PHYS(boot_pd) + 3, %eax
	movl %eax, PHYS(boot_pdpt_low)
	addl $4096, %eax
	movl %eax, PHYS(boot_pdpt_low) + 8
	addl $4096, %eax
	movl %eax, PHYS(boot_pdpt_low) + 16
	addl $4096, %eax
	movl %eax, PHYS(boot_pdpt_low) + 24
	movl $PHYS(boot_pd) + 3, %eax		/* KERNEL_VMA -> phys 0 */
	movl %eax, PHYS(boot_pdpt_kernel) + 510 * 8

	movl $PHYS(boot_pd), %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax				/* present, writable, 2 MiB */
	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	movl %cr4, %eax
	orl $0x20, %eax				/* PAE */
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx			/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax			/* PG, WP, PE */
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_ptr)
	ljmp $0x08, $PHYS(start64_low)

	.code64
start64_low:
	movabsq $start64_high, %rax
	jmp *%rax
start64_high:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl mb_magic(%rip), %edi
	movl mb_info(%rip), %esi
	cmpl $0x336ec578, %edi			/* Xen PVH (arch/x86/xen) */
	je 3f
	call multiboot2_main
	jmp 2f
3:	call xen_pvh_main
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.section .data
	.balign 4
mb_magic:	.long 0
mb_info:	.long 0

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pd
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_kernel: .skip 4096
boot_pd:	.skip 4 * 4096
	.globl boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
