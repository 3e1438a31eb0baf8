/*
 * Memory blocks and the memory notifier chain (Linux include/linux/memory.h).
 * A memory block is one section; block N covers [N*SECTION_SIZE, (N+1)*SECTION_SIZE).
 */
#ifndef BALLAST_MEMORY_H
#define BALLAST_MEMORY_H

#include <ballast/notifier.h>
#include <ballast/page.h>

/* Memory notifier events. */
#define MEM_ONLINE (1 << 0)
#define MEM_GOING_OFFLINE (1 << 1)
#define MEM_OFFLINE (1 << 2)
#define MEM_GOING_ONLINE (1 << 3)
#define MEM_CANCEL_ONLINE (1 << 4)
#define MEM_CANCEL_OFFLINE (1 << 5)

/* What the memory notifier's data points to. */
struct memory_notify {
	unsigned long start_pfn;
	unsigned long nr_pages;
};

/*
 * Callbacks are called highest priority first. A MEM_GOING_ONLINE or
 * MEM_GOING_OFFLINE callback vetoes with notifier_from_errno(-E...) (or
 * NOTIFY_BAD, taken as -EBUSY); then every callback gets the CANCEL event.
 */
int register_memory_notifier(struct notifier_block *nb);
int unregister_memory_notifier(struct notifier_block *nb);
const char *memory_event_name(unsigned long action);

#endif
