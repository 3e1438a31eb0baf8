/*
 * Save and restore every general register in the order of struct regs
 * (asm/traps.h). Shared by the native entry (entry.S) and the Xen PV entry
 * (xen/pv_entry.S), which differ only in how they return.
 */
#ifndef ASM_REGS_S_H
#define ASM_REGS_S_H

.macro SAVE_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro RESTORE_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

#endif
