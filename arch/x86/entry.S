/*
 * One stub per vector: push a zero error code where the CPU pushes none,
 * push the vector, save every register and call trap_dispatch(regs).
 */
#include <asm/regs.S.h>

	.text
	.code64

.macro VECTOR n
	.balign 16
vector_\n:
	.if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm

	.balign 16
	.globl vector_table_start
vector_table_start:
	.altmacro
	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr

trap_common:
	SAVE_REGS
	cld
	movq %rsp, %rdi
	call trap_dispatch
	RESTORE_REGS
	addq $16, %rsp
	iretq
