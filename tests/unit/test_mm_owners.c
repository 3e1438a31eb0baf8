/*
 * Memory block owners (memory_hotplug.h): each owned block is onlined
 * through its owner's callback and told its events before the chain; only
 * its owner removes it. And set_pages_offline, the whole-block PageOffline
 * a driver such as virtio-mem uses.
 */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include "balloon_test.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/shell.h>
#include <stdlib.h>

#define B3 (3 * SECTION_SIZE)
#define B3PFN ((unsigned long)PFN_DOWN(B3))

/* Pages each callback saw, per block (0..3), and outside them. */
static unsigned long seen_a[4], seen_b[4], seen_global;
/* Events an owner or the chain got: (action, block) in order. */
struct event {
	unsigned long action, block;
};
static struct event ev_a[16], ev_b[16], ev_chain[16];
static int nev_a, nev_b, nev_chain;
static unsigned long veto_a, veto_b, veto_chain; /* refuse this action */
/* The hook of owner A keeps its pages PageOffline (skippable) when set. */
static bool a_keeps;

static void count(unsigned long *seen, struct page *page, unsigned int order)
{
	unsigned long nr = pfn_to_section_nr(page_to_pfn(page));

	CHECK(nr < 4);
	seen[nr] += 1UL << order;
}

static void hook_a(struct page *page, unsigned int order)
{
	count(seen_a, page, order);
	if (!a_keeps) {
		generic_online_page(page, order);
		return;
	}
	for (unsigned long i = 0; i < (1UL << order); i++)
		SetPageOfflineSkippable(page + i);
}

static void hook_b(struct page *page, unsigned int order)
{
	count(seen_b, page, order);
	generic_online_page(page, order);
}

static void hook_global(struct page *page, unsigned int order)
{
	seen_global += 1UL << order;
	generic_online_page(page, order);
}

static int record(struct event *ev, int *n, unsigned long action,
		  unsigned long block, unsigned long veto)
{
	CHECK(*n < 16);
	ev[(*n)++] = (struct event){ action, block };
	return action == veto ? -EBUSY : 0;
}

static int notify_a(struct memory_owner *o, unsigned long action,
		    unsigned long block)
{
	CHECK_STR(o->name, "A");
	return record(ev_a, &nev_a, action, block, veto_a);
}

static int notify_b(struct memory_owner *o, unsigned long action,
		    unsigned long block)
{
	CHECK_STR(o->name, "B");
	return record(ev_b, &nev_b, action, block, veto_b);
}

static int chain_cb(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct memory_notify *arg = data;

	(void)nb;
	if (record(ev_chain, &nev_chain, action,
		   pfn_to_section_nr(arg->start_pfn), veto_chain))
		return notifier_from_errno(-EBUSY);
	return NOTIFY_OK;
}

static struct notifier_block chain_nb = { .notifier_call = chain_cb };
static struct memory_owner owner_a = { .name = "A", .online_page = hook_a,
				       .notify = notify_a };
static struct memory_owner owner_b = { .name = "B", .online_page = hook_b,
				       .notify = notify_b };

static void reset_records(void)
{
	memset(seen_a, 0, sizeof(seen_a));
	memset(seen_b, 0, sizeof(seen_b));
	seen_global = 0;
	nev_a = nev_b = nev_chain = 0;
	veto_a = veto_b = veto_chain = 0;
	a_keeps = false;
}

/* Boot; A owns block 2, B block 3, both offline (memmap from the buddy). */
static void two_owners(void)
{
	mmt_boot();
	reset_records();
	CHECK_EQ(register_memory_owner(&owner_a), 0);
	CHECK_EQ(register_memory_owner(&owner_b), 0);
	CHECK_EQ(add_memory_driver_managed(B2, SECTION_SIZE, MHP_NONE, &owner_a), 0);
	CHECK_EQ(add_memory_driver_managed(B3, SECTION_SIZE, MHP_NONE, &owner_b), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

static bool is_event(const struct event *e, unsigned long action,
		     unsigned long block)
{
	return e->action == action && e->block == block;
}

TEST(mm_owners_each_block_through_its_owner_even_with_a_global_callback)
{
	struct section_info si;

	two_owners();
	CHECK(memory_block_owner(2) == &owner_a);
	CHECK(memory_block_owner(3) == &owner_b);
	CHECK(memory_block_owner(0) == NULL);      /* boot memory */
	CHECK(memory_block_owner(5) == NULL);      /* absent */
	CHECK(memory_block_owner(1UL << 40) == NULL); /* out of range */
	CHECK_EQ(mm_section_info(2, &si), 0);
	CHECK_STR(si.owner, "A");
	CHECK_EQ(mm_section_info(0, &si), 0);
	CHECK(si.owner == NULL);
	CHECK_EQ(set_online_page_callback(hook_global), 0);
	/* Both blocks in one online_pages: each goes its own way. */
	CHECK_EQ(online_pages(B2PFN, 2 * NPS), 0);
	CHECK_EQ(seen_a[2], NPS);
	CHECK_EQ(seen_a[3], 0);
	CHECK_EQ(seen_b[3], NPS);
	CHECK_EQ(seen_b[2], 0);
	CHECK_EQ(seen_global, 0);
	CHECK_EQ(mmt_stats().page_offline, 0);
	CHECK_EQ(mm_check_consistency(), 0);
	/* lsmem: the owner is the last column, ranges split by owner */
	unit_log_clear();
	CHECK_EQ(shell_run_line("lsmem"), 0);
	CHECK(strstr(unit_log(), "BLOCK OWNER\n"));
	if (SECTION_SIZE_MB == 128) {
		CHECK(strstr(unit_log(), "0x0000000010000000-0x0000000017ffffff   128M  online       yes        2 A\n"));
		CHECK(strstr(unit_log(), "0x0000000018000000-0x000000001fffffff   128M  online       yes        3 B\n"));
	}
	/* An unowned block still uses the global callback. */
	CHECK_EQ(add_memory(4 * SECTION_SIZE, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(online_memory_block(4), 0);
	CHECK_EQ(seen_global, NPS);
	CHECK_EQ(restore_online_page_callback(hook_global), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

/* chmem -e goes through online_memory_block: the owner's hook still runs. */
TEST(mm_owners_chmem_online_uses_the_owner_callback)
{
	static struct memory_owner plain = { .name = "plain" };

	two_owners();
	CHECK_EQ(register_memory_owner(&plain), 0);
	CHECK_EQ(add_memory_driver_managed(4 * SECTION_SIZE, SECTION_SIZE,
					   MHP_NONE, &plain), 0);
	unit_log_clear();
	CHECK_EQ(shell_run_line("chmem -e -b 2"), 0);
	CHECK_EQ(seen_a[2], NPS);
	a_keeps = true;
	CHECK_EQ(offline_memory_block(2), 0);
	seen_a[2] = 0;
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(seen_a[2], NPS);
	CHECK_EQ(mmt_stats().page_offline, NPS); /* A kept them all */
	/* An owner without online_page: generic_online_page. */
	CHECK_EQ(online_memory_block(4), 0);
	CHECK_EQ(mmt_stats().page_offline, NPS);
	CHECK(PageFree(pfn_to_page(section_nr_to_pfn(4))));
	CHECK_EQ(seen_global, 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_owners_notify_own_blocks_a_veto_cancels_everyone)
{
	two_owners();
	CHECK_EQ(register_memory_notifier(&chain_nb), 0);
	struct mm_stats s0 = mmt_stats();
	struct pstate *p0 = mmt_snap(B2PFN, 2 * NPS);

	/* B refuses going online: A, B and the chain all get the CANCEL. */
	veto_b = MEM_GOING_ONLINE;
	CHECK_EQ(online_pages(B2PFN, 2 * NPS), -EBUSY);
	CHECK_EQ(nev_a, 2);
	CHECK(is_event(&ev_a[0], MEM_GOING_ONLINE, 2));
	CHECK(is_event(&ev_a[1], MEM_CANCEL_ONLINE, 2));
	CHECK_EQ(nev_b, 2);
	CHECK(is_event(&ev_b[0], MEM_GOING_ONLINE, 3));
	CHECK(is_event(&ev_b[1], MEM_CANCEL_ONLINE, 3));
	CHECK_EQ(nev_chain, 1); /* the owners come first: the chain never went */
	CHECK(is_event(&ev_chain[0], MEM_CANCEL_ONLINE, 2));
	CHECK_EQ(seen_a[2] + seen_b[3], 0);
	struct mm_stats s1 = mmt_stats();

	CHECK_STATS_EQ(s0, s1);
	CHECK(mmt_same(p0, B2PFN, 2 * NPS));
	CHECK_EQ(mm_check_consistency(), 0);

	/* No veto: each owner hears only its own block, before the chain. */
	reset_records();
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(nev_a, 2);
	CHECK(is_event(&ev_a[0], MEM_GOING_ONLINE, 2));
	CHECK(is_event(&ev_a[1], MEM_ONLINE, 2));
	CHECK_EQ(nev_b, 0);
	CHECK_EQ(nev_chain, 2);
	CHECK_EQ(online_memory_block(3), 0);
	CHECK_EQ(nev_a, 2);
	CHECK_EQ(nev_b, 2);

	/* The chain refuses going offline: the owners get the CANCEL too. */
	reset_records();
	s0 = mmt_stats();
	free(p0);
	p0 = mmt_snap(B2PFN, 2 * NPS);
	veto_chain = MEM_GOING_OFFLINE;
	CHECK_EQ(offline_pages(B2PFN, 2 * NPS), -EBUSY);
	CHECK_EQ(nev_a, 2);
	CHECK(is_event(&ev_a[0], MEM_GOING_OFFLINE, 2));
	CHECK(is_event(&ev_a[1], MEM_CANCEL_OFFLINE, 2));
	CHECK_EQ(nev_b, 2);
	CHECK(is_event(&ev_b[1], MEM_CANCEL_OFFLINE, 3));
	CHECK_EQ(nev_chain, 2);
	CHECK(is_event(&ev_chain[1], MEM_CANCEL_OFFLINE, 2));
	s1 = mmt_stats();
	CHECK_STATS_EQ(s0, s1);
	CHECK(mmt_same(p0, B2PFN, 2 * NPS));
	/* A refuses: B was not asked yet, still gets the CANCEL. */
	reset_records();
	veto_a = MEM_GOING_OFFLINE;
	CHECK_EQ(offline_pages(B2PFN, 2 * NPS), -EBUSY);
	CHECK_EQ(nev_b, 1);
	CHECK(is_event(&ev_b[0], MEM_CANCEL_OFFLINE, 3));
	CHECK_EQ(nev_chain, 1);
	s1 = mmt_stats();
	CHECK_STATS_EQ(s0, s1);
	CHECK(mmt_same(p0, B2PFN, 2 * NPS));
	free(p0);
	CHECK_EQ(mm_check_consistency(), 0);
	/* Without a veto it goes. */
	reset_records();
	CHECK_EQ(offline_pages(B2PFN, 2 * NPS), 0);
	CHECK(is_event(&ev_a[1], MEM_OFFLINE, 2));
	CHECK(is_event(&ev_b[1], MEM_OFFLINE, 3));
	CHECK_EQ(unregister_memory_notifier(&chain_nb), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_owners_only_the_owner_removes)
{
	static struct memory_owner stranger = { .name = "stranger" };

	two_owners();
	struct mm_stats s0 = mmt_stats();

	unit_log_clear();
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), -EPERM);
	CHECK(strstr(unit_log(), "memory block 2 belongs to A"));
	CHECK_EQ(remove_memory(B2, 2 * SECTION_SIZE), -EPERM);
	CHECK_EQ(remove_memory_driver_managed(B2, SECTION_SIZE, &owner_b), -EPERM);
	CHECK(strstr(unit_log(), "memory block 2 is not B's (owner: A)"));
	CHECK_EQ(remove_memory_driver_managed(B2, 2 * SECTION_SIZE, &owner_a), -EPERM);
	CHECK_EQ(remove_memory_driver_managed(B2, SECTION_SIZE, &stranger), -EINVAL);
	CHECK_EQ(remove_memory_driver_managed(B2, SECTION_SIZE, NULL), -EINVAL);
	/* An unowned block is no owner's to remove either. */
	CHECK_EQ(add_memory(4 * SECTION_SIZE, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(remove_memory_driver_managed(4 * SECTION_SIZE, SECTION_SIZE,
					      &owner_a), -EPERM);
	CHECK_EQ(remove_memory(4 * SECTION_SIZE, SECTION_SIZE), 0);
	/* Adding to an unregistered owner, or over a present block, changes nothing. */
	CHECK_EQ(add_memory_driver_managed(4 * SECTION_SIZE, SECTION_SIZE,
					   MHP_NONE, &stranger), -EINVAL);
	CHECK_EQ(add_memory_driver_managed(B2, SECTION_SIZE, MHP_NONE, &owner_b),
		 -EEXIST);
	CHECK(memory_block_owner(2) == &owner_a);
	CHECK(memory_block_owner(4) == NULL);
	struct mm_stats s1 = mmt_stats();

	CHECK_STATS_EQ(s0, s1);
	CHECK_EQ(mm_check_consistency(), 0);
	/* Online, the owner cannot remove it either (offline first). */
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(remove_memory_driver_managed(B2, SECTION_SIZE, &owner_a), -EBUSY);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(unregister_memory_owner(&owner_a), -EBUSY);
	CHECK_EQ(remove_memory_driver_managed(B2, SECTION_SIZE, &owner_a), 0);
	CHECK(memory_block_owner(2) == NULL);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(unregister_memory_owner(&owner_a), 0);
	CHECK_EQ(unregister_memory_owner(&owner_a), -EINVAL);
	/* Gone with its owner, the block can come back as anyone's. */
	CHECK_EQ(add_memory(B2, SECTION_SIZE, MHP_NONE), 0);
	CHECK_EQ(remove_memory(B2, SECTION_SIZE), 0);
	CHECK_EQ(remove_memory_driver_managed(B3, SECTION_SIZE, &owner_b), 0);
	CHECK_EQ(unregister_memory_owner(&owner_b), 0);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_owners_registration_limits)
{
	static struct memory_owner o[MEMORY_OWNERS_MAX + 1] = {
		{ .name = "o1" }, { .name = "o2" }, { .name = "o3" },
		{ .name = "o4" }, { .name = "o5" },
	};
	static struct memory_owner nameless;

	mmt_boot();
	CHECK_EQ(register_memory_owner(&nameless), -EINVAL);
	CHECK_EQ(register_memory_owner(NULL), -EINVAL);
	for (int i = 0; i < MEMORY_OWNERS_MAX; i++)
		CHECK_EQ(register_memory_owner(&o[i]), 0);
	CHECK_EQ(register_memory_owner(&o[MEMORY_OWNERS_MAX]), -ENOSPC);
	CHECK_EQ(register_memory_owner(&o[0]), -EINVAL); /* twice */
	CHECK_EQ(unregister_memory_owner(&o[MEMORY_OWNERS_MAX]), -EINVAL);
	CHECK_EQ(add_memory_driver_managed(B2, SECTION_SIZE, MHP_NONE, &o[1]), 0);
	CHECK_EQ(unregister_memory_owner(&o[1]), -EBUSY);
	CHECK_EQ(unregister_memory_owner(&o[2]), 0);
	CHECK_EQ(register_memory_owner(&o[MEMORY_OWNERS_MAX]), 0); /* the free slot */
	CHECK_EQ(mm_check_consistency(), 0);
	/* A reset forgets every owner: registering again works (stale ids). */
	mmt_boot();
	CHECK(memory_block_owner(2) == NULL);
	CHECK_EQ(register_memory_owner(&o[1]), 0);
	CHECK_EQ(unregister_memory_owner(&o[1]), 0);
}

TEST(mm_set_pages_offline_accounting_and_back)
{
	mmt_boot();
	struct mm_stats s0 = mmt_stats();
	struct page *p = alloc_pages(9);

	CHECK(p != NULL);
	set_pages_offline(p, 9);
	struct mm_stats s1 = mmt_stats();

	CHECK_EQ(s1.managed, s0.managed - 512);
	CHECK_EQ(s1.page_offline, s0.page_offline + 512);
	CHECK_EQ(s1.free, s0.free - 512);
	for (unsigned long i = 0; i < 512; i++) {
		CHECK(PageOffline(p + i));
		CHECK_EQ(page_count(p + i), 1);
		CHECK_EQ(p[i].flags, 0);
		CHECK_EQ(p[i].order, 0);
	}
	CHECK_EQ(mm_check_consistency(), 0);
	free_offline_pages(p, 9);
	s1 = mmt_stats();
	CHECK_STATS_EQ(s0, s1);
	CHECK_EQ(mm_check_consistency(), 0);
	/* order 0 too, and given back one page at a time */
	p = alloc_pages(2);
	set_pages_offline(p, 2);
	for (int i = 0; i < 4; i++)
		free_offline_page(p + i);
	s1 = mmt_stats();
	CHECK_STATS_EQ(s0, s1);
	CHECK_EQ(mm_check_consistency(), 0);
}

/* Kept through offline and online, the pages carry PG_offline_skippable:
 * freeing them leaves no trace of it. */
TEST(mm_free_offline_pages_clears_skippable)
{
	two_owners();
	a_keeps = true;
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK(PageOfflineSkippable(pfn_to_page(B2PFN)));
	CHECK_EQ(mmt_stats().page_offline, NPS);
	free_offline_pages(pfn_to_page(B2PFN), MAX_ORDER);
	free_offline_page(pfn_to_page(B2PFN + MAX_ORDER_NR_PAGES));
	CHECK_EQ(mmt_stats().page_offline, NPS - MAX_ORDER_NR_PAGES - 1);
	for (unsigned long i = 0; i <= MAX_ORDER_NR_PAGES; i++)
		CHECK(!(pfn_to_page(B2PFN + i)->flags & PG_offline_skippable));
	CHECK_EQ(mm_check_consistency(), 0);
	struct page *p = alloc_pages_at(B2PFN, MAX_ORDER);

	CHECK(p != NULL);
	CHECK_EQ(p->flags, PG_head);
	free_pages(p, MAX_ORDER);
	CHECK_EQ(mm_check_consistency(), 0);
}

/*
 * The balloon hot-adds its block while another driver (virtio-mem-like:
 * its memory unbacked, kept PageOffline) owns block 2: each block comes up
 * through its own owner, with a global callback installed all along.
 */
static unsigned long other_pages;

static void other_hook(struct page *page, unsigned int order)
{
	CHECK_EQ(pfn_to_section_nr(page_to_pfn(page)), 2);
	other_pages += 1UL << order;
	for (unsigned long i = 0; i < (1UL << order); i++)
		SetPageOfflineSkippable(page + i); /* unplugged: never touched */
}

TEST(mm_owners_balloon_and_another_owner_side_by_side)
{
	static struct memory_owner other = { .name = "other",
					     .online_page = other_hook };
	struct section_info si;

	bt_boot((u64)1024 * MiB / PAGE_SIZE);
	sim.hotplug_base = 2 * SECTION_SIZE;
	reset_records();
	other_pages = 0;
	CHECK_EQ(register_memory_owner(&other), 0);
	CHECK_EQ(add_memory_driver_managed(B2, SECTION_SIZE, MHP_BACKED, &other), 0);
	CHECK_EQ(set_online_page_callback(hook_global), 0);
	CHECK_EQ(online_memory_block(2), 0);
	CHECK_EQ(other_pages, NPS);
	/* The other block's pages count as present, not as the host's. */
	u64 start = bt_stats().current;
	u64 ballooned0 = bt_stats().ballooned;

	CHECK(balloon_set_target(start + 100 * MiB / PAGE_SIZE) >= 0);
	bt_run(NULL);
	struct balloon_stats b = bt_stats();

	CHECK_EQ(b.current, start + 100 * MiB / PAGE_SIZE);
	CHECK_EQ(b.blocks_now, 1);
	CHECK_EQ(mm_section_info(3, &si), 0);
	CHECK_EQ(si.state, SECTION_ONLINE);
	CHECK_STR(si.owner, "balloon");
	CHECK_EQ(si.memmap_src, MEMMAP_ON_MEMORY);
	/* the balloon's hook ran for block 3: its unpopulated pages stay ballooned */
	CHECK(b.ballooned > ballooned0);
	unsigned long ours = 0;

	for (unsigned long pfn = B3PFN; pfn < B3PFN + NPS; pfn++)
		ours += balloon_owns_page(pfn_to_page(pfn));
	CHECK(ours > 0);
	CHECK_EQ(ours, b.ballooned - ballooned0);
	CHECK_EQ(other_pages, NPS);
	CHECK_EQ(seen_global, 0);
	CHECK_EQ(mmt_stats().page_offline, b.ballooned + NPS);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(balloon_check_consistency(), 0);
	sim_hv_check();
	/* Going back removes the balloon's block, never the other one. */
	CHECK(balloon_set_target(start) >= 0);
	bt_run(NULL);
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().blocks_now, 0);
	CHECK(memory_block_owner(3) == NULL);
	CHECK(memory_block_owner(2) == &other);
	CHECK_EQ(restore_online_page_callback(hook_global), 0);
	CHECK_EQ(offline_memory_block(2), 0);
	CHECK_EQ(remove_memory_driver_managed(B2, SECTION_SIZE, &other), 0);
	CHECK_EQ(unregister_memory_owner(&other), 0);
	bt_check();
}
