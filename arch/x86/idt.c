/*
 * IDT: every vector goes to its stub in entry.S (16 bytes apart), then to
 * trap_dispatch. Exceptions end in a report; vectors >= 32 go to the handler
 * registered for them (legacy PIC IRQs, the Xen upcall).
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <asm/io.h>
#include <asm/traps.h>

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 rsvd;
} __packed;

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t handlers[256];
extern char vector_table_start[];

void idt_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed p = { sizeof(idt) - 1, (u64)idt };

	for (int v = 0; v < 256; v++) {
		u64 a = (u64)vector_table_start + 16 * v;
		idt[v] = (struct idt_entry){
			.off_lo = a & 0xffff,
			.sel = 0x08,
			.ist = v == 8 ? 1 : 0, /* #DF on its own stack */
			.type = 0x8e,		/* present, interrupt gate */
			.off_mid = (a >> 16) & 0xffff,
			.off_hi = a >> 32,
		};
	}
	__asm__ volatile("lidt %0" : : "m"(p));
}

int set_irq_handler(unsigned vector, irq_handler_t fn)
{
	if (vector < 32 || vector > 255)
		return -EINVAL;
	if (handlers[vector] && fn)
		return -EBUSY;
	handlers[vector] = fn;
	return 0;
}

/* 8259 PICs remapped to vectors 32..47, everything masked. */
#define PIC1 0x20
#define PIC2 0xa0

void pic_init(void)
{
	outb(PIC1, 0x11);
	outb(PIC2, 0x11);
	outb(PIC1 + 1, IRQ_BASE);
	outb(PIC2 + 1, IRQ_BASE + 8);
	outb(PIC1 + 1, 4);
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1);
	outb(PIC2 + 1, 1);
	outb(PIC1 + 1, 0xfb); /* all masked but the cascade */
	outb(PIC2 + 1, 0xff);
}

void pic_unmask(unsigned irq)
{
	u16 port = irq < 8 ? PIC1 + 1 : PIC2 + 1;

	outb(port, inb(port) & ~(1 << (irq & 7)));
}

static void pic_eoi(unsigned vector)
{
	if (vector >= IRQ_BASE + 8)
		outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}


void trap_dispatch(struct regs *r)
{
	unsigned v = r->vector;

	if (v < 32)
		exception_report(r);
	if (handlers[v])
		handlers[v](r);
	if (v >= IRQ_BASE && v < IRQ_BASE + 16)
		pic_eoi(v);
}
