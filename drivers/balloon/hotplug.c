/*
 * Memory blocks that come and go with the target, through the same mm
 * hooks any driver uses (add_memory with memmap-on-memory, the online_page
 * hook, a memory notifier, offline_pages, remove_memory).
 *
 * Adding, when nothing ballooned is left to bring back: populate the frames
 * the block's memmap goes to (2 MiB extents, else single pages), add the
 * block with its memmap on itself as the "balloon" memory owner's, online
 * it: our owner's online_page hook frees the pages that have frames and
 * keeps every other page ballooned. The guest gives nothing of what it
 * had: the memmap lives in the new block.
 *
 * Removing, when a block holds nothing but ballooned pages (and its own
 * memmap): our notifier lets offlining skip our pages, the block goes
 * offline and away, and its memmap frames go back to the host. A block
 * still holding a used page stays online.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/timer.h>
#include "internal.h"

/* The whole block is RAM in the boot map (whether it came up or not). */
static bool boot_ram_block(unsigned long nr)
{
	return bootmem_ram_pages(section_nr_to_pfn(nr), section_nr_to_pfn(nr + 1)) ==
	       PAGES_PER_SECTION;
}

static bool addable(unsigned long nr, u64 base)
{
	struct section_info si;

	if (mm_section_info(nr, &si) || si.state != SECTION_ABSENT)
		return false;
	if (boot_ram_block(nr))
		return true;
	return base && (u64)nr * SECTION_SIZE >= base;
}

static long next_addable(void)
{
	u64 base = balloon_hotplug_base();

	for (unsigned long nr = 0; nr < balloon.nr_blocks; nr++)
		if (addable(nr, base))
			return (long)nr;
	return -1;
}

u64 balloon_addable_pages(void)
{
	u64 base, n = 0;

	if (!balloon.be || !balloon.blocks)
		return 0;
	base = balloon_hotplug_base();
	for (unsigned long nr = 0; nr < balloon.nr_blocks; nr++)
		if (addable(nr, base))
			n += PAGES_PER_SECTION;
	return n;
}

/* ---- frames by pfn: memmap frames, and what the host did not take ------ */

static bool strays_full(void)
{
	return balloon.stray[BALLOON_STRAY_MAX - 1].nr != 0;
}

static void add_stray(unsigned long pfn, unsigned long nr)
{
	for (int i = 0; i < BALLOON_STRAY_MAX; i++) {
		if (!balloon.stray[i].nr) {
			balloon.stray[i].pfn = pfn;
			balloon.stray[i].nr = nr;
			return;
		}
	}
	BUG_ON(1); /* callers check strays_full first */
}

/* Give the host [pfn, pfn + nr) (frames, no struct page needed). */
static enum balloon_reason give_back(unsigned long pfn, unsigned long nr)
{
	enum balloon_reason why = BALLOON_OK;

	while (nr) {
		unsigned long n = MIN(nr, (unsigned long)BALLOON_BATCH), done;

		for (unsigned long i = 0; i < n; i++)
			balloon.pfns[i] = pfn + i;
		done = balloon_decrease(n, 0, &why);
		balloon.pages_down += done;
		pfn += done;
		nr -= done;
		if (done < n) {
			add_stray(pfn, nr);
			return why == BALLOON_OK ? BALLOON_HOST_REFUSED : why;
		}
	}
	return BALLOON_OK;
}

bool balloon_has_strays(void)
{
	return balloon.stray[0].nr != 0;
}

enum balloon_reason balloon_release_strays(void)
{
	struct balloon_stray s = balloon.stray[0];

	memmove(&balloon.stray[0], &balloon.stray[1],
		sizeof(balloon.stray[0]) * (BALLOON_STRAY_MAX - 1));
	memset(&balloon.stray[BALLOON_STRAY_MAX - 1], 0, sizeof(s));
	return give_back(s.pfn, s.nr);
}

/* ---- adding ------------------------------------------------------------ */

/* Frames for the memmap at the start of block nr; *backed: pages that got
 * one. 2 MiB extents unless refused (or the backend takes none). */
static enum balloon_reason populate_memmap(unsigned long nr, unsigned long *backed)
{
	unsigned long start = section_nr_to_pfn(nr), i, done;
	unsigned long mp = section_memmap_pages();
	unsigned long huge = (mp + BALLOON_HUGE_PAGES - 1) / BALLOON_HUGE_PAGES;
	enum balloon_reason why = BALLOON_OK;

	if (PAGES_PER_SECTION >= BALLOON_HUGE_PAGES && !balloon.huge_up_refused) {
		for (i = 0; i < huge; i++)
			balloon.pfns[i] = start + i * BALLOON_HUGE_PAGES;
		done = balloon_populate(huge, BALLOON_HUGE_ORDER, &why);
		if (done == huge) {
			*backed = huge * BALLOON_HUGE_PAGES;
			return BALLOON_OK;
		}
		if (done) /* untouched frames: straight back */
			give_back(start, done * BALLOON_HUGE_PAGES);
		if (why != BALLOON_OK)
			return why;
		balloon.huge_up_refused = true;
	}
	for (i = 0; i < mp; i++)
		balloon.pfns[i] = start + i;
	done = balloon_populate(mp, 0, &why);
	if (done == mp) {
		*backed = done;
		return BALLOON_OK;
	}
	if (done)
		give_back(start, done);
	return why != BALLOON_OK ? why : balloon_host_reason();
}

/*
 * The online_page hook of our owner, so of every block we added, whoever
 * onlines it (`chmem -e` too): while we online a block ourselves, pages
 * with a frame go to the allocator and the rest stay ballooned; otherwise
 * generic_online_page, which keeps skippable (ballooned) pages offline.
 */
static void online_page_hook(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), end = pfn + (1UL << order);
	struct balloon_block *b = bal_block(pfn);
	unsigned long backed_end;

	if (balloon.adding < 0 || b != &balloon.blocks[balloon.adding]) {
		generic_online_page(page, order);
		return;
	}
	backed_end = section_nr_to_pfn(balloon.adding) + b->backed;
	if (end <= backed_end) {
		generic_online_page(page, order);
		return;
	}
	while (pfn < end) {
		if (pfn < backed_end) {
			generic_online_page(pfn_to_page(pfn++), 0);
		} else if (!(pfn & (BALLOON_HUGE_PAGES - 1)) &&
			   end - pfn >= BALLOON_HUGE_PAGES) {
			bal_keep_run(pfn);
			balloon.ballooned += BALLOON_HUGE_PAGES;
			pfn += BALLOON_HUGE_PAGES;
		} else {
			bal_keep_pages(pfn++, 1);
			balloon.ballooned++;
		}
	}
}

/* The memory owner of the blocks we add (lsmem's OWNER "balloon"). */
static struct memory_owner balloon_owner = {
	.name = "balloon",
	.online_page = online_page_hook,
};

static int online_block(unsigned long nr, unsigned long backed)
{
	int err;

	balloon.adding = (long)nr;
	balloon.blocks[nr].backed = (u32)backed;
	err = online_pages(section_nr_to_pfn(nr), PAGES_PER_SECTION);
	balloon.adding = -1;
	return err;
}

/* The host's limit leaves no room for the block's memmap. */
static bool host_full(void)
{
	u64 cur, max;

	return balloon_host_pages(&cur, &max) &&
	       cur + section_memmap_pages() > max;
}

enum balloon_reason balloon_add_block(void)
{
	u64 t0 = clock_ns();
	long nr = next_addable();
	unsigned long backed = 0;
	enum balloon_reason why;
	int err;

	if (nr < 0)
		return BALLOON_NO_PAGES;
	if (host_full())
		return BALLOON_HOST_MAX;
	why = populate_memmap((unsigned long)nr, &backed);
	if (why != BALLOON_OK)
		return why;
	err = add_memory_driver_managed((u64)nr * SECTION_SIZE, SECTION_SIZE,
					MHP_MEMMAP_ON_MEMORY | MHP_BACKED,
					&balloon_owner);
	if (!err) {
		err = online_block((unsigned long)nr, backed);
		if (err)
			BUG_ON(remove_memory_driver_managed((u64)nr * SECTION_SIZE,
							    SECTION_SIZE,
							    &balloon_owner));
	}
	if (err) {
		pr_err("balloon: adding memory block %ld failed (%s)\n", nr,
		       errno_name(err));
		give_back(section_nr_to_pfn(nr), backed);
		balloon.t.add_ns += clock_ns() - t0;
		return BALLOON_ADD_FAILED;
	}
	balloon.blocks[nr].seq = ++balloon.add_seq;
	balloon.blocks_added++;
	balloon.pages_up += backed;
	balloon_scan_reset();
	balloon.t.add_ns += clock_ns() - t0;
	return BALLOON_OK;
}

/* ---- removing ---------------------------------------------------------- */

/* Ours, or no one's (`memhotplug add`): we may remove it. */
static bool may_remove(unsigned long nr)
{
	const struct memory_owner *o = memory_block_owner(nr);

	return !o || o == &balloon_owner;
}

/*
 * Nothing in block nr but ballooned pages and its own memmap (and no other
 * driver answers for it: virtio-mem's blocks are virtio-mem's to remove).
 */
static bool block_empty(unsigned long nr)
{
	const struct balloon_block *b = &balloon.blocks[nr];
	unsigned long mp = section_memmap_pages();
	struct section_info si;

	if (b->pages + mp < PAGES_PER_SECTION || !may_remove(nr) ||
	    mm_section_info(nr, &si) || si.state != SECTION_ONLINE ||
	    si.present != PAGES_PER_SECTION)
		return false;
	/*
	 * A block whose memmap is elsewhere (boot memory) stays: removed, it
	 * could only come back with its memmap on itself, and the guest would
	 * never return to its boot layout. It costs its memmap, 0.4%.
	 */
	return si.memmap_src == MEMMAP_ON_MEMORY &&
	       si.reserved == mp && b->pages == PAGES_PER_SECTION - mp;
}

/* Our pages in the block get (MEM_GOING_OFFLINE) or lose (cancel) a pass. */
static void set_refs(unsigned long nr, u32 ref)
{
	unsigned long pfn = section_nr_to_pfn(nr), end = pfn + PAGES_PER_SECTION;

	for (; pfn < end; pfn++) {
		struct page *p = pfn_to_page(pfn);

		if (balloon_owns_page(p))
			p->refcount = ref;
	}
}

static int memory_event(struct notifier_block *nb, unsigned long action,
			void *data)
{
	const struct memory_notify *arg = data;
	unsigned long first = pfn_to_section_nr(arg->start_pfn);
	unsigned long last = pfn_to_section_nr(arg->start_pfn + arg->nr_pages);

	(void)nb;
	for (unsigned long nr = first; nr < last && nr < balloon.nr_blocks; nr++) {
		bool ours = balloon.removing == (long)nr;

		if (action == MEM_GOING_OFFLINE && !ours && balloon.blocks[nr].pages) {
			pr_err("balloon: memory block %lu holds %llu KiB of ballooned memory\n",
			       nr, (unsigned long long)balloon.blocks[nr].pages * 4);
			return notifier_from_errno(-EBUSY);
		}
		if (ours && action == MEM_GOING_OFFLINE)
			set_refs(nr, 0);
		if (ours && action == MEM_CANCEL_OFFLINE)
			set_refs(nr, 1);
	}
	return NOTIFY_OK;
}

static struct notifier_block memory_nb = { .notifier_call = memory_event };

/*
 * The notifier and the owner live in mm state and go together: the unit
 * tests' mm_reset_for_test forgets both, and a second init (a backend
 * registered again) finds the notifier there (-EEXIST) and the owner too.
 */
int balloon_hotplug_init(void)
{
	int err = register_memory_notifier(&memory_nb);

	if (err)
		return err;
	err = register_memory_owner(&balloon_owner);
	if (err)
		unregister_memory_notifier(&memory_nb);
	return err;
}

static int remove_block(unsigned long nr)
{
	struct section_info si;
	u64 t0 = clock_ns();
	int err;

	mm_section_info(nr, &si);
	if (si.memmap_src == MEMMAP_ON_MEMORY && strays_full())
		return -EBUSY;
	balloon.removing = (long)nr;
	err = offline_pages(section_nr_to_pfn(nr), PAGES_PER_SECTION);
	balloon.removing = -1;
	if (err) {
		pr_warn("balloon: emptied memory block %lu did not go offline (%s)\n",
			nr, errno_name(err));
		return err;
	}
	if (memory_block_owner(nr))
		BUG_ON(remove_memory_driver_managed((u64)nr * SECTION_SIZE,
						    SECTION_SIZE, &balloon_owner));
	else
		BUG_ON(remove_memory((u64)nr * SECTION_SIZE, SECTION_SIZE));
	balloon.ballooned -= bal_drop_block(nr);
	if (si.memmap_src == MEMMAP_ON_MEMORY)
		give_back(section_nr_to_pfn(nr), section_memmap_pages());
	balloon.blocks_removed++;
	balloon_scan_reset();
	balloon.t.remove_ns += clock_ns() - t0;
	return 0;
}

/*
 * Removing a block whose memmap is on it gives those frames back, and the
 * guest's count drops by them. Below the target, going up brings pages
 * back: fine from ballooned pages elsewhere (the layout moves back toward
 * the boot one), not by adding a block, which would be this one again at
 * once (a block added for the last few pages of a target comes up with
 * more than that backed: its memmap's extent). Then the block stays.
 */
static bool removal_keeps_target(unsigned long nr)
{
	const struct balloon_block *b = &balloon.blocks[nr];
	struct section_info si;
	u64 cur = balloon_current(), after, elsewhere;

	if (mm_section_info(nr, &si) || si.memmap_src != MEMMAP_ON_MEMORY)
		return true;
	after = cur > section_memmap_pages() ? cur - section_memmap_pages() : 0;
	if (after >= balloon.target)
		return true;
	elsewhere = balloon.nr_small + balloon.nr_huge * BALLOON_HUGE_PAGES - b->pages;
	return elsewhere >= balloon.target - after;
}

/*
 * At most one block a call, so that a guest removing many yields between
 * them (console, other deferred work). The blocks not looked at yet stay
 * in [check_lo, check_hi) for the next call.
 */
bool balloon_remove_one(void)
{
	unsigned long hi = MIN(balloon.check_hi, balloon.nr_blocks);

	while (balloon.check_lo < hi) {
		unsigned long nr = balloon.check_lo++;

		if (!block_empty(nr) || !removal_keeps_target(nr))
			continue;
		if (!remove_block(nr))
			return true;
		bal_may_be_empty(nr); /* try again next time */
		return false;
	}
	balloon.check_lo = balloon.check_hi = 0;
	return false;
}

void balloon_recheck_all(void)
{
	balloon.check_lo = 0;
	balloon.check_hi = balloon.nr_blocks;
}

/* ---- which added block going down empties first ------------------------ */

long balloon_newest_block(struct balloon_scan *sc)
{
	u32 best = 0;
	long bn = -1;

	if (sc->nr >= 0 && balloon.blocks[sc->nr].seq == sc->seq) {
		unsigned long end = section_nr_to_pfn(sc->nr + 1);

		if (sc->pfn[0] < end || sc->pfn[1] < end)
			return sc->nr;
	}
	if (!sc->seq)
		return -1; /* every added block scanned: no walk of them all again */
	for (unsigned long nr = 0; nr < balloon.nr_blocks; nr++) {
		u32 s = balloon.blocks[nr].seq;

		if (s && s < sc->seq && s > best) {
			best = s;
			bn = (long)nr;
		}
	}
	sc->nr = bn;
	sc->seq = best;
	sc->pfn[0] = sc->pfn[1] = bn >= 0 ? section_nr_to_pfn(bn) : 0;
	return bn;
}

void balloon_scan_reset(void)
{
	/* settle.c walks down from the top block again */
	balloon.settle_top = balloon.nr_blocks ? balloon.nr_blocks - 1 : 0;
	balloon.scan.nr = -1;
	balloon.scan.seq = 0xffffffffu;
	balloon.scan.pfn[0] = balloon.scan.pfn[1] = 0;
}
