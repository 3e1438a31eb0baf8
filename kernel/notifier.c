/*
 * Notifier chains (the Linux kernel/notifier.c idea): callbacks sorted by
 * priority, high first; a callback can stop the walk. Generic
 * infrastructure: mm's memory notifier is one chain built on it.
 */
#include <ballast/errno.h>
#include <ballast/notifier.h>

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
