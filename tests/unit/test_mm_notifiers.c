/* The memory notifier chain: order, priorities, vetoes, isolation. */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <stdlib.h>

static char events[1024];
static int veto_online_err;

static int rec_nb(struct notifier_block *nb, unsigned long action, void *data)
{
	struct memory_notify *arg = data;
	char buf[64];

	snprintf(buf, sizeof(buf), "%d:%s:%lx+%lx ", nb->priority,
		 memory_event_name(action), arg->start_pfn, arg->nr_pages);
	strcat(events, buf);
	if (action == MEM_GOING_ONLINE && veto_online_err && nb->priority == 5)
		return notifier_from_errno(veto_online_err);
	return NOTIFY_OK;
}

/* "a b c" -> "a:pfn+nr b:pfn+nr c:pfn+nr " for block 2 */
static void expect(char *out, const char *names)
{
	char tmp[1024], *save = NULL;

	strcpy(tmp, names);
	out[0] = 0;
	for (char *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save))
		sprintf(out + strlen(out), "%s:%lx+%lx ", t, B2PFN, NPS);
}

TEST(mm_memory_notifier_order_and_veto)
{
	struct notifier_block n1 = { .notifier_call = rec_nb, .priority = 1 };
	struct notifier_block n5 = { .notifier_call = rec_nb, .priority = 5 };
	struct notifier_block n9 = { .notifier_call = rec_nb, .priority = 9 };
	static char want[1024];

	mmt_boot();
	CHECK_EQ(register_memory_notifier(&n5), 0);
	CHECK_EQ(register_memory_notifier(&n1), 0);
	CHECK_EQ(register_memory_notifier(&n9), 0);
	CHECK_EQ(register_memory_notifier(&n9), -EEXIST);
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	struct mm_stats a = mmt_stats();

	events[0] = 0;
	veto_online_err = -ENOSPC;
	CHECK_EQ(online_memory_block(2), -ENOSPC);
	expect(want, "9:MEM_GOING_ONLINE 5:MEM_GOING_ONLINE 9:MEM_CANCEL_ONLINE "
		     "5:MEM_CANCEL_ONLINE 1:MEM_CANCEL_ONLINE");
	CHECK_STR(events, want);
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);
	CHECK(PageOffline(pfn_to_page(B2PFN)));
	CHECK_EQ(page_count(pfn_to_page(B2PFN)), 0);

	events[0] = 0;
	veto_online_err = 0;
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	expect(want, "9:MEM_GOING_ONLINE 5:MEM_GOING_ONLINE 1:MEM_GOING_ONLINE "
		     "9:MEM_ONLINE 5:MEM_ONLINE 1:MEM_ONLINE "
		     "9:MEM_GOING_OFFLINE 5:MEM_GOING_OFFLINE 1:MEM_GOING_OFFLINE "
		     "9:MEM_OFFLINE 5:MEM_OFFLINE 1:MEM_OFFLINE");
	CHECK_STR(events, want);
	CHECK_EQ(unregister_memory_notifier(&n1), 0);
	CHECK_EQ(unregister_memory_notifier(&n1), -ENOENT);
	CHECK_EQ(unregister_memory_notifier(&n5), 0);
	CHECK_EQ(unregister_memory_notifier(&n9), 0);
}

/* During MEM_GOING_OFFLINE the block is isolated: allocations avoid it, and
 * a page its owner frees there stays out of the allocator. */
static struct page *held_in_block;
static bool iso_ok;

static int isolation_nb(struct notifier_block *nb, unsigned long action, void *data)
{
	struct memory_notify *arg = data;

	if (action != MEM_GOING_OFFLINE)
		return NOTIFY_OK;
	iso_ok = true;
	for (int i = 0; i < 2000; i++) {
		struct page *p = alloc_page();

		if (!p)
			break;
		if (page_to_pfn(p) >= arg->start_pfn &&
		    page_to_pfn(p) < arg->start_pfn + arg->nr_pages)
			iso_ok = false;
		free_page(p);
	}
	if (held_in_block) {
		free_page(held_in_block);
		held_in_block = NULL;
	}
	return NOTIFY_OK;
}

TEST(mm_offline_isolates_the_range)
{
	struct notifier_block nb = { .notifier_call = isolation_nb };

	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	held_in_block = mmt_alloc_in_block(2);
	CHECK(held_in_block);
	CHECK_EQ(register_memory_notifier(&nb), 0);
	CHECK_EQ(offline_memory_block(2), 0); /* freed in time */
	CHECK(iso_ok);
	CHECK_EQ(mmt_stats().isolated_free, 0);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(unregister_memory_notifier(&nb), 0);
}
