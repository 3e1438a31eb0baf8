/* Notifier chains and the memory notifier chain (Linux kernel/notifier.c). */
#include "internal.h"

int notifier_chain_register(struct notifier_head *h, struct notifier_block *nb)
{
	struct notifier_block **pp = &h->head;

	if (!nb || !nb->notifier_call)
		return -EINVAL;
	for (struct notifier_block *n = h->head; n; n = n->next)
		if (n == nb)
			return -EEXIST;
	while (*pp && (*pp)->priority >= nb->priority)
		pp = &(*pp)->next;
	nb->next = *pp;
	*pp = nb;
	return 0;
}

int notifier_chain_unregister(struct notifier_head *h, struct notifier_block *nb)
{
	for (struct notifier_block **pp = &h->head; *pp; pp = &(*pp)->next) {
		if (*pp == nb) {
			*pp = nb->next;
			nb->next = NULL;
			return 0;
		}
	}
	return -ENOENT;
}

int notifier_call_chain(struct notifier_head *h, unsigned long action,
			void *data, int nr_to_call, int *nr_calls)
{
	int ret = NOTIFY_DONE;

	for (struct notifier_block *nb = h->head; nb && nr_to_call; nr_to_call--) {
		struct notifier_block *next = nb->next;

		ret = nb->notifier_call(nb, action, data);
		if (nr_calls)
			(*nr_calls)++;
		if (ret & NOTIFY_STOP_MASK)
			break;
		nb = next;
	}
	return ret;
}

int register_memory_notifier(struct notifier_block *nb)
{
	return notifier_chain_register(&mm.memory_chain, nb);
}

int unregister_memory_notifier(struct notifier_block *nb)
{
	return notifier_chain_unregister(&mm.memory_chain, nb);
}

const char *memory_event_name(unsigned long action)
{
	switch (action) {
	case MEM_ONLINE:
		return "MEM_ONLINE";
	case MEM_GOING_OFFLINE:
		return "MEM_GOING_OFFLINE";
	case MEM_OFFLINE:
		return "MEM_OFFLINE";
	case MEM_GOING_ONLINE:
		return "MEM_GOING_ONLINE";
	case MEM_CANCEL_ONLINE:
		return "MEM_CANCEL_ONLINE";
	case MEM_CANCEL_OFFLINE:
		return "MEM_CANCEL_OFFLINE";
	default:
		return "MEM_?";
	}
}

/* Returns 0 or the (negative) veto of a GOING_* callback. */
int memory_notify(unsigned long action, unsigned long pfn, unsigned long nr)
{
	struct memory_notify arg = { .start_pfn = pfn, .nr_pages = nr };
	int ret = notifier_call_chain(&mm.memory_chain, action, &arg, -1, NULL);

	return notifier_to_errno(ret);
}
