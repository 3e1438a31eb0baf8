/*
 * Xen PV exception and event entry. Xen bounces to these with %rcx and %r11
 * pushed on top of the usual hardware frame (error code, rip, cs, rflags,
 * rsp, ss). We drop them, build struct regs like entry.S and reuse
 * trap_dispatch; the way back is HYPERVISOR_iret, because the kernel runs
 * in ring 3 where iretq cannot restore the event mask.
 */
#include <xen/xen.h>
#include <asm/regs.S.h>

#define XEN_UPCALL_VECTOR 0xf3

	.text
	.code64

.macro PV_TRAP n, has_err
	.globl xen_pv_trap_\n
xen_pv_trap_\n:
	popq %rcx
	popq %r11
	.if !\has_err
	pushq $0
	.endif
	pushq $\n
	jmp pv_trap_common
.endm

	PV_TRAP 0, 0
	PV_TRAP 1, 0
	PV_TRAP 3, 0
	PV_TRAP 4, 0
	PV_TRAP 5, 0
	PV_TRAP 6, 0
	PV_TRAP 7, 0
	PV_TRAP 8, 1
	PV_TRAP 10, 1
	PV_TRAP 11, 1
	PV_TRAP 12, 1
	PV_TRAP 13, 1
	PV_TRAP 14, 1
	PV_TRAP 16, 0
	PV_TRAP 17, 1
	PV_TRAP 18, 0
	PV_TRAP 19, 0

/* Event callback: no error code; dispatched as the upcall vector. */
	.globl xen_pv_event_entry
xen_pv_event_entry:
	popq %rcx
	popq %r11
	pushq $0
	pushq $XEN_UPCALL_VECTOR
	jmp pv_trap_common

/* Failsafe: Xen could not load our segments on return. Never expected. */
	.globl xen_pv_failsafe_entry
xen_pv_failsafe_entry:
	call xen_pv_failsafe
1:	jmp 1b

pv_trap_common:
	SAVE_REGS
	cld
	movq %rsp, %rdi
	call trap_dispatch
	RESTORE_REGS
	addq $16, %rsp			/* vector, error code */
	pushq $0			/* iret flags: not in a syscall */
	jmp hypercall_page + __HYPERVISOR_iret * 32
