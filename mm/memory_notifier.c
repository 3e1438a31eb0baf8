/* The memory notifier chain: hotplug tells drivers (Linux memory_notify),
 * the blocks' owners first. */
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

/*
 * The owners first, one owned block at a time: an owner settles its own
 * pages (drops or takes its PageOffline references) before any other
 * party looks at the range. A veto of a GOING_* event stops there; the
 * caller then sends the CANCEL event, which reaches every owned block of
 * the range and the whole chain.
 */
static int notify_owners(unsigned long action, unsigned long pfn,
			 unsigned long nr)
{
	bool going = action == MEM_GOING_ONLINE || action == MEM_GOING_OFFLINE;

	for (unsigned long b = pfn_to_section_nr(pfn);
	     b < pfn_to_section_nr(pfn + nr); b++) {
		struct memory_owner *o = section_owner(&mm.sections[b]);
		int ret;

		if (!o || !o->notify)
			continue;
		ret = o->notify(o, action, b);
		if (ret && going)
			return ret;
	}
	return 0;
}

/* Returns 0 or the (negative) veto of a GOING_* callback. */
int memory_notify(unsigned long action, unsigned long pfn, unsigned long nr)
{
	struct memory_notify arg = { .start_pfn = pfn, .nr_pages = nr };
	int ret = notify_owners(action, pfn, nr);

	if (ret)
		return ret;
	ret = notifier_call_chain(&mm.memory_chain, action, &arg, -1, NULL);
	return notifier_to_errno(ret);
}
