/* Notifier chains (the Linux idea): callbacks sorted by priority, high first. */
#ifndef BALLAST_NOTIFIER_H
#define BALLAST_NOTIFIER_H

#include <ballast/types.h>

#define NOTIFY_DONE 0x0000
#define NOTIFY_OK 0x0001
#define NOTIFY_STOP_MASK 0x8000
#define NOTIFY_BAD (NOTIFY_STOP_MASK | 0x0002)
#define NOTIFY_STOP (NOTIFY_OK | NOTIFY_STOP_MASK)

struct notifier_block;
typedef int (*notifier_fn_t)(struct notifier_block *nb, unsigned long action,
			     void *data);

struct notifier_block {
	notifier_fn_t notifier_call;
	struct notifier_block *next;
	int priority;
};

struct notifier_head {
	struct notifier_block *head;
};

/* A negative errno as a notifier return (NOTIFY_BAD carrying it), and back. */
static inline int notifier_from_errno(int err)
{
	return err ? (NOTIFY_STOP_MASK | (NOTIFY_OK - err)) : NOTIFY_OK;
}

static inline int notifier_to_errno(int ret)
{
	ret &= ~NOTIFY_STOP_MASK;
	return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
}

int notifier_chain_register(struct notifier_head *h, struct notifier_block *nb);
int notifier_chain_unregister(struct notifier_head *h, struct notifier_block *nb);
/*
 * Call every block (or the first nr_to_call, -1 for all) until one returns
 * with NOTIFY_STOP_MASK; *nr_calls counts the calls made (may be NULL).
 */
int notifier_call_chain(struct notifier_head *h, unsigned long action,
			void *data, int nr_to_call, int *nr_calls);

#endif
