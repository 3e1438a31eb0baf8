/*
 * Legacy interrupt lines (x86: IRQ 0-15 through the 8259 PICs) for
 * drivers whose devices raise INTx, such as PCI devices without MSI-X.
 * A line may be shared: every action on it runs on each interrupt and
 * says whether its device was the one asking. A level-triggered line that
 * keeps interrupting with no action claiming it (a device nobody drives)
 * is masked for good after IRQ_STORM_LIMIT such interrupts in a row;
 * irq_line_dead() then says so and its drivers poll instead.
 *
 * Handlers run with interrupts off and only mark work (the PIC's EOI
 * follows them): no printk, no allocation, no configuration space.
 */
#ifndef BALLAST_IRQ_H
#define BALLAST_IRQ_H

#include <ballast/types.h>

#define IRQ_STORM_LIMIT 100000

struct irq_action {
	bool (*handler)(void *arg); /* true: its device had asked */
	void *arg;
	const char *name;
	struct irq_action *next;
};

/*
 * Add an action (the caller's, kept until it stops: actions are never
 * removed) to a line, level-triggered or edge; the line stays masked
 * until irq_line_unmask. -EINVAL for a line that does not exist or
 * cannot be level-triggered, -EBUSY when a line is taken by a handler
 * that does not share, or was added with the other trigger mode.
 */
int irq_line_request(unsigned int line, struct irq_action *act, bool level);
void irq_line_unmask(unsigned int line);
/* Masked after a storm nobody claimed. */
bool irq_line_dead(unsigned int line);
/* Interrupts seen on the line, and how many no action claimed. */
u64 irq_line_count(unsigned int line, u64 *unclaimed);

#endif
