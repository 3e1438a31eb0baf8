/* online_page hooks and PageOffline pages across offline and online. */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <stdlib.h>

static unsigned long hook_calls, hook_pages, kept_start, kept_n;
static bool keep_skippable;

/* A driver hook: keeps [kept_start, kept_start+kept_n) PageOffline. */
static void keep_hook(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);

	hook_calls++;
	hook_pages += 1UL << order;
	for (unsigned long i = 0; i < (1UL << order); i++) {
		CHECK(PageOffline(page + i));
		CHECK_EQ(page_count(page + i), 1);
		if (pfn + i >= kept_start && pfn + i < kept_start + kept_n) {
			if (keep_skippable)
				SetPageOfflineSkippable(page + i);
			continue;
		}
		generic_online_page(page + i, 0);
	}
}

static void other_hook(struct page *page, unsigned int order)
{
	generic_online_page(page, order);
}

TEST(mm_online_page_callback_rules)
{
	mmt_boot();
	CHECK_EQ(set_online_page_callback(NULL), -EINVAL);
	CHECK_EQ(restore_online_page_callback(keep_hook), -EINVAL);
	CHECK_EQ(set_online_page_callback(keep_hook), 0);
	CHECK_EQ(set_online_page_callback(other_hook), -EINVAL);
	CHECK_EQ(set_online_page_callback(keep_hook), -EINVAL);
	CHECK_EQ(restore_online_page_callback(other_hook), -EINVAL);
	CHECK_EQ(restore_online_page_callback(keep_hook), 0);
	CHECK_EQ(restore_online_page_callback(keep_hook), -EINVAL);
	CHECK_EQ(set_online_page_callback(other_hook), 0);
	CHECK_EQ(restore_online_page_callback(other_hook), 0);
}

TEST(mm_online_hook_sees_every_page)
{
	mmt_boot();
	hook_calls = hook_pages = 0;
	kept_start = B2PFN + 100;
	kept_n = 0;
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	CHECK_EQ(set_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(hook_pages, NPS - section_memmap_pages());
	CHECK(hook_calls < hook_pages); /* handed out in larger chunks */
	CHECK_EQ(restore_online_page_callback(keep_hook), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_offline_skippable_pageoffline_succeeds)
{
	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	kept_start = B2PFN + 1000;
	kept_n = 64;
	keep_skippable = true;
	CHECK_EQ(set_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	struct mm_stats a = mmt_stats();

	CHECK_EQ(a.page_offline, 64);
	CHECK(PageOfflineSkippable(pfn_to_page(kept_start)));
	CHECK_EQ(mm_check_consistency(), 0);
	/* the only non-free pages are skippable PageOffline: offline works */
	CHECK(is_memory_block_removable(2));
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(mmt_stats().page_offline, 0);
	CHECK(PageOfflineSkippable(pfn_to_page(kept_start)));
	CHECK(!PageOfflineSkippable(pfn_to_page(kept_start - 1)));
	CHECK_EQ(mm_check_consistency(), 0);

	/* Online again with the generic hook: the skipped pages stay PageOffline */
	CHECK_EQ(restore_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(mmt_stats().page_offline, 64);
	for (unsigned long i = 0; i < 64; i++)
		CHECK(PageOffline(pfn_to_page(kept_start + i)));
	CHECK(PageFree(pfn_to_page(kept_start + 64)));
	CHECK_EQ(mm_check_consistency(), 0);
	/* the owner gives one back */
	free_offline_page(pfn_to_page(kept_start));
	CHECK_EQ(mmt_stats().page_offline, 63);
	CHECK_EQ(mm_check_consistency(), 0);
}

static int drop_refs_nb(struct notifier_block *nb, unsigned long action, void *data)
{
	struct memory_notify *arg = data;

	for (unsigned long i = 0; i < kept_n; i++) {
		struct page *p = pfn_to_page(kept_start + i);

		if (kept_start + i < arg->start_pfn ||
		    kept_start + i >= arg->start_pfn + arg->nr_pages)
			continue;
		if (action == MEM_GOING_OFFLINE)
			page_ref_dec(p);
		else if (action == MEM_CANCEL_OFFLINE)
			page_ref_inc(p);
	}
	return NOTIFY_OK;
}

static int veto_offline_nb(struct notifier_block *nb, unsigned long action, void *data)
{
	return action == MEM_GOING_OFFLINE ? notifier_from_errno(-EAGAIN) : NOTIFY_OK;
}

TEST(mm_offline_nonskippable_pageoffline)
{
	struct notifier_block drop = { .notifier_call = drop_refs_nb, .priority = 10 };
	struct notifier_block veto = { .notifier_call = veto_offline_nb, .priority = 0 };

	mmt_boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	kept_start = B2PFN + 2048;
	kept_n = 8;
	keep_skippable = false;
	CHECK_EQ(set_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(restore_online_page_callback(keep_hook), 0);
	struct mm_stats a = mmt_stats();
	struct pstate *s = mmt_snap(B2PFN, NPS);
	char want[96];

	/* the owner holds its references: -EBUSY, nothing changed */
	unit_log_clear();
	CHECK_EQ(offline_memory_block(2), -EBUSY);
	snprintf(want, sizeof(want), "pfn %#lx: PageOffline page its owner did not release",
		 kept_start);
	CHECK(strstr(unit_log(), want));
	CHECK(mmt_same(s, B2PFN, NPS));
	struct mm_stats b = mmt_stats();

	CHECK_STATS_EQ(a, b);

	/* the owner drops them in MEM_GOING_OFFLINE but someone else vetoes:
	 * MEM_CANCEL_OFFLINE gives the references back, all as it was */
	CHECK_EQ(register_memory_notifier(&drop), 0);
	CHECK_EQ(register_memory_notifier(&veto), 0);
	CHECK_EQ(offline_memory_block(2), -EAGAIN);
	CHECK(mmt_same(s, B2PFN, NPS));
	b = mmt_stats();
	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);

	/* without the veto it goes offline */
	CHECK_EQ(unregister_memory_notifier(&veto), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(mmt_stats().page_offline, 0);
	/* and the driver can tell its pages when the block comes back */
	CHECK(PageOfflineSkippable(pfn_to_page(kept_start)));
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(mmt_stats().page_offline, kept_n);
	CHECK_EQ(unregister_memory_notifier(&drop), 0);
	CHECK_EQ(mm_check_consistency(), 0);
	free(s);
}
