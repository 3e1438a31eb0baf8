/*
 * What makes build/ballast.elf bootable by Xen directly: the ELF notes the
 * domain builder reads (PV and PVH), the hypercall page, and the two Xen
 * entry points.
 *
 *   PV:  64-bit, on Xen's page tables, %rsi = start_info (virtual);
 *   PVH: 32-bit protected mode, paging off, %ebx = hvm_start_info (phys).
 *
 * PVH enters through the multiboot2 code (_start32), which builds the boot
 * page tables and long mode the same way for both; only the magic in %eax
 * tells the two apart afterwards.
 */
#include <asm/layout.h>
#include <xen/elfnote.h>

#define PHYS(x) ((x) - KERNEL_VMA)
#define XEN_HVM_START_MAGIC 0x336ec578

/* One ELF note of owner "Xen": namesz, descsz, type, name, desc. */
.macro XEN_NOTE type, kind, value
	.balign 4
	.long 4
	.long 2f - 1f
	.long \type
	.asciz "Xen"
1:	\kind \value
2:	.balign 4
.endm

/* Same, for a string: gas drops the quotes of macro arguments. */
.macro XEN_NOTE_STR type, value
	.balign 4
	.long 4
	.long 2f - 1f
	.long \type
	.asciz "Xen"
1:	.asciz "\value"
2:	.balign 4
.endm

	.section .note.Xen, "a", @note
	XEN_NOTE_STR XEN_ELFNOTE_GUEST_OS, "ballast"
	XEN_NOTE_STR XEN_ELFNOTE_GUEST_VERSION, "0.1"
	XEN_NOTE_STR XEN_ELFNOTE_XEN_VERSION, "xen-3.0"
	XEN_NOTE_STR XEN_ELFNOTE_LOADER, "generic"
	XEN_NOTE XEN_ELFNOTE_VIRT_BASE, .quad, KERNEL_VMA
	XEN_NOTE XEN_ELFNOTE_PADDR_OFFSET, .quad, 0
	XEN_NOTE XEN_ELFNOTE_ENTRY, .quad, xen_pv_start
	XEN_NOTE XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page
	XEN_NOTE_STR XEN_ELFNOTE_FEATURES, "!writable_page_tables"
	XEN_NOTE_STR XEN_ELFNOTE_PAE_MODE, "yes"
	XEN_NOTE XEN_ELFNOTE_PHYS32_ENTRY, .long, PHYS(xen_pvh_start)

/*
 * PVH entry. Xen gives no %eax; supply the magic so the shared 32-bit path
 * hands %ebx to xen_pvh_main instead of the multiboot2 parser.
 */
	.section .boot.text, "ax"
	.code32
	.globl xen_pvh_start
xen_pvh_start:
	movl $XEN_HVM_START_MAGIC, %eax
	jmp _start32

/* PV entry: already 64-bit and high; run on the kernel's own boot stack. */
	.text
	.code64
	.globl xen_pv_start
xen_pv_start:
	cld
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	movq %rsi, %rdi
	call xen_pv_main
1:	jmp 1b

/*
 * Xen writes its hypercall stubs here: itself for PV (ELF note), on the
 * guest's request through an MSR for HVM and PVH. int3 until then.
 */
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
