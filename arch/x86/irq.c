/*
 * Shared legacy lines (include/ballast/irq.h) over the PIC vectors of
 * idt.c: one entry handler for every line requested here, which runs the
 * line's chain. A level-triggered line is marked so in the ELCR (ports
 * 0x4d0/0x4d1, one bit per line): SeaBIOS already programs the PCI lines
 * that way, but it is the chipset's reset state that is edge, and our
 * PIC init (ICW1 without LTIM) does not touch the ELCR, so the line is
 * set here rather than trusted. With a level line the device's INTx
 * stays up until its handler reads the ISR; the EOI after the handlers
 * (trap_dispatch) then finds it low. A shared edge line could lose an
 * edge when two devices overlap.
 */
#include <ballast/errno.h>
#include <ballast/irq.h>
#include <asm/io.h>
#include <asm/traps.h>

#define NR_LINES 16
#define ELCR1 0x4d0
#define ELCR2 0x4d1
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

struct line {
	struct irq_action *actions;
	bool level, dead;
	u64 count, unclaimed, in_a_row;
};

static struct line lines[NR_LINES];

static void mask(unsigned int irq)
{
	u16 port = irq < 8 ? PIC1_DATA : PIC2_DATA;

	outb(port, inb(port) | 1 << (irq & 7));
}

static void line_entry(struct regs *r)
{
	unsigned int irq = r->vector - IRQ_BASE;
	struct line *l = &lines[irq];
	bool claimed = false;

	l->count++;
	for (struct irq_action *a = l->actions; a; a = a->next)
		claimed |= a->handler(a->arg);
	if (claimed) {
		l->in_a_row = 0;
		return;
	}
	l->unclaimed++;
	if (l->level && ++l->in_a_row >= IRQ_STORM_LIMIT) {
		mask(irq); /* it would stay asserted: no end of interrupts */
		l->dead = true;
	}
}

static void set_level(unsigned int irq)
{
	u16 port = irq < 8 ? ELCR1 : ELCR2;

	outb(port, inb(port) | 1 << (irq & 7));
}

/* The timer, keyboard, cascade, RTC and FPU lines are edge only. */
static bool can_be_level(unsigned int irq)
{
	return irq != 0 && irq != 1 && irq != 2 && irq != 8 && irq != 13;
}

int irq_line_request(unsigned int irq, struct irq_action *act, bool level)
{
	struct line *l;
	int err;

	if (irq >= NR_LINES || (level && !can_be_level(irq)) || !act->handler)
		return -EINVAL;
	l = &lines[irq];
	if (l->actions && l->level != level)
		return -EBUSY;
	if (!l->actions) {
		if ((err = set_irq_handler(IRQ_BASE + irq, line_entry)))
			return err;
		l->level = level;
		if (level)
			set_level(irq);
	}
	act->next = l->actions;
	l->actions = act;
	return 0;
}

void irq_line_unmask(unsigned int irq)
{
	if (irq < NR_LINES && lines[irq].actions && !lines[irq].dead)
		pic_unmask(irq);
}

bool irq_line_dead(unsigned int irq)
{
	return irq < NR_LINES && lines[irq].dead;
}

u64 irq_line_count(unsigned int irq, u64 *unclaimed)
{
	if (irq >= NR_LINES) {
		*unclaimed = 0;
		return 0;
	}
	*unclaimed = lines[irq].unclaimed;
	return lines[irq].count;
}
