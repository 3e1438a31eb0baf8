/* Memory hotplug: add / online / offline / remove, hooks, notifiers, bad input. */
#include "unit.h"
#include "host_mm.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <stdlib.h>

/* Blocks 2 and 3 have their vmemmap page table from boot (same 2 MiB), so
 * adding them consumes nothing but the memmap itself. */
#define B2 (2 * SECTION_SIZE)
#define B2PFN ((unsigned long)PFN_DOWN(B2))
#define NPS PAGES_PER_SECTION

static struct mm_stats stats(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st;
}

#define CHECK_STATS_EQ(a, b) CHECK(memcmp(&(a), &(b), sizeof(a)) == 0)

static void boot(void)
{
	CHECK(SECTION_SIZE * 4 <= (2UL << 20) / sizeof(struct page) * PAGE_SIZE ||
	      SECTION_SIZE_MB != 128);
	host_mm_boot_default();
	page_poisoning = true;
}

/* A snapshot of the per-page state of [pfn, pfn+n) (list links excluded). */
struct pstate {
	u8 type, order;
	u16 flags;
	u32 refcount;
};

static struct pstate *snap(unsigned long pfn, unsigned long n)
{
	struct pstate *s = malloc(n * sizeof(*s));

	for (unsigned long i = 0; i < n; i++) {
		struct page *p = pfn_to_page(pfn + i);

		s[i] = (struct pstate){ p->type, p->order, p->flags, p->refcount };
	}
	return s;
}

static bool same(const struct pstate *s, unsigned long pfn, unsigned long n)
{
	struct pstate *t = snap(pfn, n);
	bool ok = memcmp(s, t, n * sizeof(*s)) == 0;

	free(t);
	return ok;
}

/* Allocate order-0 pages until one lands in block `nr`; free the others. */
static struct page *alloc_in_block(unsigned long nr)
{
	u32 head = PFN_NONE;
	struct page *p, *got = NULL;

	while ((p = alloc_page())) {
		if (pfn_to_section_nr(page_to_pfn(p)) == nr) {
			got = p;
			break;
		}
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		p->private = 0;
		free_page(p);
	}
	return got;
}

TEST(mm_hotplug_add_online_offline_remove)
{
	boot();
	struct mm_stats a = stats();

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	struct mm_stats b = stats();
	struct section_info si;

	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_EQ(si.state, SECTION_OFFLINE);
	CHECK_EQ(si.memmap_src, MEMMAP_BUDDY);
	CHECK_EQ(b.present, a.present + NPS);
	CHECK_EQ(b.offline, NPS);
	CHECK_EQ(b.memmap, a.memmap + section_memmap_pages());
	CHECK_EQ(b.free, a.free - section_memmap_pages());
	CHECK(PageOffline(pfn_to_page(B2PFN)));
	CHECK_EQ(mm_check_consistency(), 0);

	CHECK_EQ(online_pages(B2PFN, NPS), 0);
	struct mm_stats c = stats();

	CHECK_EQ(c.managed, a.managed + NPS);
	CHECK_EQ(c.free, b.free + NPS);
	CHECK_EQ(c.offline, 0);
	CHECK_EQ(c.nr_sections_online, 3);
	CHECK(PageFree(pfn_to_page(B2PFN + 7)));
	CHECK_EQ(mm_check_consistency(), 0);
	/* the new memory is usable */
	struct page *p = alloc_in_block(2);

	CHECK(p);
	memset(page_address(p), 0x11, PAGE_SIZE);
	free_page(p);

	CHECK_EQ(offline_pages(B2PFN, NPS), 0);
	struct mm_stats d = stats();

	CHECK_STATS_EQ(d, b);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	struct mm_stats e = stats();

	CHECK_EQ(e.free, a.free);
	CHECK_EQ(e.present, a.present);
	CHECK_EQ(e.memmap, a.memmap);
	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_EQ(si.state, SECTION_ABSENT);
	CHECK_EQ(mm_check_consistency(), 0);
	/* and again: the same range can come back */
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_multi_block_range)
{
	boot();
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_pages(B2PFN, 2 * NPS), 0);
	CHECK_EQ(stats().nr_sections_online, 4);
	CHECK_EQ(offline_memory_block(3), 0);
	CHECK_EQ(remove_memory(B2, 2 * SECTION_SIZE), -EBUSY); /* block 2 online */
	CHECK(strstr(unit_log(), "memory block 2 is online"));
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(remove_memory(B2, 2 * SECTION_SIZE), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_memmap_on_memory)
{
	boot();
	struct mm_stats a = stats();
	unsigned long mp = section_memmap_pages();

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	struct mm_stats b = stats();
	struct section_info si;

	/* nothing of the existing memory was used */
	CHECK_EQ(b.free, a.free);
	CHECK_EQ(b.managed, a.managed);
	CHECK_EQ(b.memmap, a.memmap + mp);
	CHECK_EQ(b.memmap_on_memory, mp);
	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_EQ(si.memmap_src, MEMMAP_ON_MEMORY);
	CHECK_EQ(si.memmap_pfn, B2PFN);
	/* the memmap really lives in the first pages of the block */
	struct page *first = pfn_to_page(B2PFN);

	CHECK(PageReserved(first) && (first->flags & PG_vmemmap));
	CHECK(memcmp(first, phys_to_virt(B2), sizeof(*first)) == 0);
	CHECK(PageReserved(pfn_to_page(B2PFN + mp - 1)));
	CHECK(PageOffline(pfn_to_page(B2PFN + mp)));
	CHECK_EQ(mm_check_consistency(), 0);

	CHECK_EQ(online_memory_block(2), 0);
	struct mm_stats c = stats();

	CHECK_EQ(c.managed, a.managed + NPS - mp);
	CHECK_EQ(c.free, a.free + NPS - mp);
	CHECK_EQ(c.reserved, a.reserved + mp);
	CHECK(PageReserved(first));
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK(is_memory_block_removable(2));
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(stats().reserved, a.reserved);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	struct mm_stats d = stats();

	CHECK_EQ(d.memmap_on_memory, 0);
	CHECK_EQ(d.memmap, a.memmap);
	CHECK_EQ(d.free, a.free);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_memmap_on_memory_when_memory_is_full)
{
	boot();
	page_poisoning = false;
	u32 head = PFN_NONE;
	struct page *p;

	while ((p = alloc_page())) {
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	struct mm_stats a = stats();

	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), -ENOMEM);
	CHECK(strstr(unit_log(), "no memory for the memmap"));
	struct mm_stats b = stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(stats().free, NPS - section_memmap_pages());
	CHECK_EQ(mm_check_consistency(), 0);
	/* with the new block online, a buddy-memmap hot-add works again */
	CHECK_EQ(add_memory(3 * SECTION_SIZE, SECTION_SIZE, MHP_NONE), 0);
	struct section_info si;

	CHECK_EQ(mm_section_info(3, &si), 0);
	CHECK_EQ(pfn_to_section_nr(si.memmap_pfn), 2);
	/* block 2 now holds block 3's memmap: it cannot go offline */
	CHECK_EQ(offline_memory_block(2), -EBUSY);
	CHECK_EQ(remove_memory(3 * SECTION_SIZE, SECTION_SIZE), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		free_page(p);
	}
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_bad_input_changes_nothing)
{
	boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	struct mm_stats a = stats();
	struct {
		phys_addr_t start;
		u64 size;
		unsigned flags;
		int err;
	} bad[] = {
		{ B2 + PAGE_SIZE, SECTION_SIZE, 0, -EINVAL },      /* unaligned start */
		{ 4 * SECTION_SIZE, SECTION_SIZE / 2, 0, -EINVAL },/* unaligned size */
		{ 4 * SECTION_SIZE, 0, 0, -EINVAL },               /* empty */
		{ HOST_MAX_PHYS, SECTION_SIZE, 0, -ERANGE },       /* beyond max */
		{ HOST_MAX_PHYS - SECTION_SIZE, 2 * SECTION_SIZE, 0, -ERANGE },
		{ 4 * SECTION_SIZE, 0ULL - 4 * SECTION_SIZE, 0, -ERANGE }, /* wraps */
		{ B2, SECTION_SIZE, 0, -EEXIST },                   /* present */
		{ SECTION_SIZE, SECTION_SIZE, 0, -EEXIST },         /* boot RAM */
		{ B2 - SECTION_SIZE, 3 * SECTION_SIZE, 0, -EEXIST },/* overlaps */
		{ 4 * SECTION_SIZE, SECTION_SIZE, 0x80, -EINVAL },  /* unknown flag */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_log_clear();
		CHECK_EQ(add_memory(bad[i].start, bad[i].size, bad[i].flags), bad[i].err);
		CHECK(strstr(unit_log(), "add_memory: "));
		struct mm_stats b = stats();

		CHECK_STATS_EQ(a, b);
	}
	/* the 3-block overlap must not have added block 3 */
	struct section_info si;

	CHECK_EQ(mm_section_info(3, &si), 0);
	CHECK_EQ(si.state, SECTION_ABSENT);
	CHECK_EQ(remove_memory(4 * SECTION_SIZE, SECTION_SIZE), -ENODEV);
	CHECK_EQ(remove_memory(B2 + PAGE_SIZE, SECTION_SIZE), -EINVAL);
	CHECK_EQ(online_pages(4 * NPS, NPS), -ENODEV);
	CHECK_EQ(online_pages(B2PFN + 1, NPS), -EINVAL);
	CHECK_EQ(online_pages(B2PFN, NPS / 2), -EINVAL);
	CHECK_EQ(offline_pages(B2PFN, NPS), -EBUSY);   /* it is offline */
	CHECK_EQ(online_pages(0, NPS), -EBUSY);        /* boot block is online */
	CHECK_EQ(online_memory_block(1000000), -ERANGE);
	CHECK_EQ(remove_memory(0, SECTION_SIZE), -EBUSY); /* online */
	struct mm_stats b = stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_hotplug_arch_failures_unwind)
{
	boot();
	struct mm_stats a = stats();

	host_fail_direct_map = 1;
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), -ENOMEM);
	host_fail_map_range = 2; /* the second block's memmap */
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_NONE), -ENOMEM);
	host_fail_map_range = 1;
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), -ENOMEM);
	struct mm_stats b = stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(add_memory(B2, 2 * SECTION_SIZE, MHP_NONE), 0);
}

TEST(mm_offline_busy_page_fails_and_restores)
{
	boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	struct page *p = alloc_in_block(2);

	CHECK(p);
	struct mm_stats a = stats();
	struct pstate *s = snap(B2PFN, NPS);
	char want[64];

	unit_log_clear();
	CHECK_EQ(offline_memory_block(2), -EBUSY);
	snprintf(want, sizeof(want), "pfn %#lx: page in use", page_to_pfn(p));
	CHECK(strstr(unit_log(), want));
	CHECK(same(s, B2PFN, NPS));
	struct mm_stats b = stats();

	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK(!is_memory_block_removable(2));
	/* still allocatable afterwards: nothing stayed isolated */
	free_page(p);
	CHECK(alloc_in_block(2));
	free(s);
}

TEST(mm_offline_boot_block_with_reserved_pages_fails)
{
	boot();
	CHECK_EQ(offline_memory_block(0), -EBUSY);
	CHECK(strstr(unit_log(), "pfn 0x0: reserved page"));
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_offline_and_remove_boot_block)
{
	boot();
	struct mm_stats a = stats();

	/* block 1 is boot RAM without reservations; its memmap is in block 0 */
	CHECK_EQ(offline_memory_block(1), 0);
	CHECK_EQ(stats().managed, a.managed - NPS);
	CHECK_EQ(remove_memory(SECTION_SIZE, SECTION_SIZE), 0);
	struct mm_stats b = stats();

	CHECK_EQ(b.managed, a.managed - NPS + section_memmap_pages());
	CHECK_EQ(b.reserved, a.reserved - section_memmap_pages());
	CHECK_EQ(b.present, a.present - NPS);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(add_memory(SECTION_SIZE, SECTION_SIZE, MHP_MEMMAP_ON_MEMORY), 0);
	CHECK_EQ(online_memory_block(1), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

/* ---- online_page hooks and PageOffline ------------------------------------ */

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
	boot();
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
	boot();
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
	boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	kept_start = B2PFN + 1000;
	kept_n = 64;
	keep_skippable = true;
	CHECK_EQ(set_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	struct mm_stats a = stats();

	CHECK_EQ(a.page_offline, 64);
	CHECK(PageOfflineSkippable(pfn_to_page(kept_start)));
	CHECK_EQ(mm_check_consistency(), 0);
	/* the only non-free pages are skippable PageOffline: offline works */
	CHECK(is_memory_block_removable(2));
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(stats().page_offline, 0);
	CHECK(PageOfflineSkippable(pfn_to_page(kept_start)));
	CHECK(!PageOfflineSkippable(pfn_to_page(kept_start - 1)));
	CHECK_EQ(mm_check_consistency(), 0);

	/* Online again with the generic hook: the skipped pages stay PageOffline */
	CHECK_EQ(restore_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(stats().page_offline, 64);
	for (unsigned long i = 0; i < 64; i++)
		CHECK(PageOffline(pfn_to_page(kept_start + i)));
	CHECK(PageFree(pfn_to_page(kept_start + 64)));
	CHECK_EQ(mm_check_consistency(), 0);
	/* the owner gives one back */
	free_offline_page(pfn_to_page(kept_start));
	CHECK_EQ(stats().page_offline, 63);
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

	boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	kept_start = B2PFN + 2048;
	kept_n = 8;
	keep_skippable = false;
	CHECK_EQ(set_online_page_callback(keep_hook), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(restore_online_page_callback(keep_hook), 0);
	struct mm_stats a = stats();
	struct pstate *s = snap(B2PFN, NPS);
	char want[96];

	/* the owner holds its references: -EBUSY, nothing changed */
	unit_log_clear();
	CHECK_EQ(offline_memory_block(2), -EBUSY);
	snprintf(want, sizeof(want), "pfn %#lx: PageOffline page its owner did not release",
		 kept_start);
	CHECK(strstr(unit_log(), want));
	CHECK(same(s, B2PFN, NPS));
	struct mm_stats b = stats();

	CHECK_STATS_EQ(a, b);

	/* the owner drops them in MEM_GOING_OFFLINE but someone else vetoes:
	 * MEM_CANCEL_OFFLINE gives the references back, all as it was */
	CHECK_EQ(register_memory_notifier(&drop), 0);
	CHECK_EQ(register_memory_notifier(&veto), 0);
	CHECK_EQ(offline_memory_block(2), -EAGAIN);
	CHECK(same(s, B2PFN, NPS));
	b = stats();
	CHECK_STATS_EQ(a, b);
	CHECK_EQ(mm_check_consistency(), 0);

	/* without the veto it goes offline */
	CHECK_EQ(unregister_memory_notifier(&veto), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(stats().page_offline, 0);
	/* and the driver can tell its pages when the block comes back */
	CHECK(PageOfflineSkippable(pfn_to_page(kept_start)));
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(stats().page_offline, kept_n);
	CHECK_EQ(unregister_memory_notifier(&drop), 0);
	CHECK_EQ(mm_check_consistency(), 0);
	free(s);
}

/* ---- notifiers ------------------------------------------------------------ */

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

	boot();
	CHECK_EQ(register_memory_notifier(&n5), 0);
	CHECK_EQ(register_memory_notifier(&n1), 0);
	CHECK_EQ(register_memory_notifier(&n9), 0);
	CHECK_EQ(register_memory_notifier(&n9), -EEXIST);
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	struct mm_stats a = stats();

	events[0] = 0;
	veto_online_err = -ENOSPC;
	CHECK_EQ(online_memory_block(2), -ENOSPC);
	expect(want, "9:MEM_GOING_ONLINE 5:MEM_GOING_ONLINE 9:MEM_CANCEL_ONLINE "
		     "5:MEM_CANCEL_ONLINE 1:MEM_CANCEL_ONLINE");
	CHECK_STR(events, want);
	struct mm_stats b = stats();

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

	boot();
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(2), 0);
	held_in_block = alloc_in_block(2);
	CHECK(held_in_block);
	CHECK_EQ(register_memory_notifier(&nb), 0);
	CHECK_EQ(offline_memory_block(2), 0); /* freed in time */
	CHECK(iso_ok);
	CHECK_EQ(stats().isolated_free, 0);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(unregister_memory_notifier(&nb), 0);
}
