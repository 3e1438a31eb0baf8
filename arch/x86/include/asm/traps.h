/* Interrupt frame and handler registration. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <ballast/types.h>

/* Pushed by entry.S, in this order (lowest address first). */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

typedef void (*irq_handler_t)(struct regs *r);

void gdt_init(void);
void idt_init(void);
/* Vectors 32..255; returns -EBUSY when taken. */
int set_irq_handler(unsigned vector, irq_handler_t fn);
void pic_init(void);
void pic_unmask(unsigned irq);
void dump_backtrace_from(u64 rbp);
/* Report an exception and stop (traps.c). */
void exception_report(struct regs *r) __noreturn;
/* The caller's stack, for panic (platform.backtrace). */
void dump_backtrace(void);

#define IRQ_BASE 32 /* legacy PIC IRQ 0 */

#endif
