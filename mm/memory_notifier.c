/* The memory notifier chain: hotplug tells drivers (Linux memory_notify). */
#include "internal.h"

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
