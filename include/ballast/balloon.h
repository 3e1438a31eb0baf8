/*
 * The generic balloon core (drivers/balloon/): follows a memory target by
 * giving guest pages back to the host (going down) and taking them again
 * (going up). It owns the policy; a backend (Xen, a simulated hypervisor in
 * the unit tests) owns the frames' way to the host.
 *
 * Ballooned pages are PageOffline pages the core owns (refcount 1), chained
 * through page->private. Their contents are never touched: under Xen PV they
 * have no frame behind them.
 *
 * Pages are counted in 4 KiB pages everywhere. "current" is what the guest
 * has: present RAM pages less ballooned ones. The host counts a few more
 * (frames outside RAM: rings, shared pages, tables); the difference is taken
 * as a constant when a host limit is turned into a guest target.
 */
#ifndef BALLAST_BALLOON_H
#define BALLAST_BALLOON_H

#include <ballast/types.h>

/* Extents per backend call: 512 extents (2 MiB at order 0, 1 GiB at 9). */
#define BALLOON_BATCH 512
/*
 * 2 MiB extents: the one order above 0 the core uses, and only with a
 * backend whose max_order reaches it. Also the size of the runs the
 * ballooned lists keep whole (whatever the backend takes).
 */
#define BALLOON_HUGE_ORDER 9
#define BALLOON_HUGE_PAGES (1UL << BALLOON_HUGE_ORDER)
/* Never aim below this (pages): the kernel needs somewhere to live. */
#define BALLOON_MIN_TARGET (16 * MiB / PAGE_SIZE)
/* Going down leaves this many pages free in the allocator. */
#define BALLOON_RESERVE_PAGES (1 * MiB / PAGE_SIZE)
/* Backoff: 1 s doubling to 32 s, then wait for a new target. */
#define BALLOON_BACKOFF_FIRST_NS 1000000000ULL
#define BALLOON_MAX_RETRIES 6
/* balloon_work's "call me again at once" (after other deferred work). */
#define BALLOON_AGAIN 1ULL

/*
 * What the core needs from the host. pfns[] holds the first pfn of each
 * extent of 2^order pages (order 0, or BALLOON_HUGE_ORDER when max_order
 * allows it); extents are
 * naturally aligned runs of guest pfns. Both calls work from the start of
 * the list and return the number of extents done, or a negative errno when
 * nothing was done; a short count is normal (the host is out of memory or at
 * its limit, or refused the order) and the extents from the count on are
 * untouched.
 *
 *   populate  back the pfns again. The pfns have no frame (the core never
 *             asks for a backed one); their contents afterwards are
 *             undefined. A PV backend maps the new frames itself (P2M, M2P,
 *             direct map) before returning; -ENOMEM when the guest has no
 *             memory to do that with (page tables, P2M leaves): the frames
 *             went back to the host, and the reason is the guest's memory.
 *   decrease  give the pfns' frames to the host. With scrub set the core
 *             has zeroed them, unless they were never touched (adopted
 *             populate-on-demand pages). A PV backend unmaps them itself.
 *             Extents are done whole: no backend reports part of one (Xen
 *             does not say how far it got inside an extent, and a PV
 *             order-9 extent is only tried when its frames are contiguous;
 *             virtio-balloon's elements hold whole extents).
 *   max_pages / current_pages
 *             the host's limit and count for this guest, in pages
 *             (Xen: XENMEM_maximum_reservation / current_reservation);
 *             called only when host_limit is set.
 * Neither call may read pfns[] after it returned: the core reuses it.
 */
#define BALLOON_HOST_KINDS 6
struct balloon_host_calls {
	u64 calls, ns;
};

/* The core's time counters, since boot or over the last target (ns). */
struct balloon_times {
	u64 add_ns, populate_ns, remove_ns, decrease_ns, scrub_ns;
	u64 work_ns, batches; /* inside balloon_work, and its calls */
	struct balloon_host_calls host[BALLOON_HOST_KINDS];
};

struct balloon_backend {
	const char *name;
	/*
	 * What the host needs and allows; the core's policy follows these
	 * and holds nothing of one host's rules itself.
	 *   scrub       zero pages before decrease: the host may hand the
	 *               frames to another guest (Xen). virtio-balloon: the
	 *               host discards them, no scrub.
	 *   max_order   largest extent order populate/decrease take; the core
	 *               uses 2 MiB extents only when it is >= BALLOON_HUGE_ORDER,
	 *               else order 0 everywhere (down, up, settling, adopted
	 *               pages, a hot-added block's memmap).
	 *   host_limit  max_pages/current_pages tell the host's limit and
	 *               count; false: there is none (both may be NULL), the
	 *               guest's reach (its RAM and the blocks it may add) is
	 *               the only bound, and going up never stops for the
	 *               host's maximum (BALLOON_HOST_MAX).
	 *   tell_before_reuse
	 *               populate must succeed before a page is used again
	 *               (Xen: always; virtio: VIRTIO_BALLOON_F_MUST_TELL_HOST).
	 *               false: a page may be reused even when the host did
	 *               not answer the deflate: a populate that returns
	 *               -ETIMEDOUT counts as done for all its extents (the
	 *               pages go back to the allocator; `untold` counts them).
	 *               Any other error leaves the pages ballooned.
	 *   pfn_shift   page size of the pfn lists the backend passes on
	 *               (log2; the core works in PAGE_SHIFT pages and
	 *               refuses a backend with another: -EINVAL).
	 */
	bool scrub;
	unsigned int max_order;
	bool host_limit;
	bool tell_before_reuse;
	unsigned int pfn_shift;
	long (*populate)(const unsigned long *pfns, unsigned long nr,
			 unsigned int order);
	long (*decrease)(const unsigned long *pfns, unsigned long nr,
			 unsigned int order);
	u64 (*max_pages)(void);
	u64 (*current_pages)(void);
	/*
	 * Optional: the lowest physical address where the core may add memory
	 * blocks beyond the boot memory map (0: nowhere). Blocks the boot map
	 * calls RAM but that came up absent (no frames) may always be added.
	 */
	u64 (*hotplug_base)(void);
	/* Optional: the backend's own lines for the `balloon` command, after
	 * the core's. */
	void (*show)(void);
	/*
	 * Optional: free page reporting to this host on or off (`balloon
	 * report on|off`); 0 or a negative errno. NULL: the shell says the
	 * backend has none to switch.
	 */
	int (*reporting)(bool on);
	/*
	 * Optional: the calls into the host the backend makes, by kind
	 * (host_kinds: their names, NULL-terminated, at most
	 * BALLOON_HOST_KINDS; Xen: memory_op and PV's page-table hypercalls),
	 * since boot. The `balloon` command splits the last target's time
	 * into these, the scrub and the rest: the guest's own.
	 */
	const char *const *host_kinds;
	void (*host_calls)(struct balloon_host_calls *c);
};

/* The core's state machine (drivers/balloon/balloon.c, balloon_work). */
enum balloon_state {
	BALLOON_DONE,    /* at target, or stopped short and waiting for a new one */
	BALLOON_UP,      /* taking pages back from the host */
	BALLOON_DOWN,    /* giving pages to the host (frames still to give
			    back first: adopted PoD pages, a removed block's) */
	BALLOON_WAITING, /* stopped short, retrying after a backoff */
	BALLOON_SETTLING, /* at target, moving memory down to lower blocks */
};

/* Why the balloon stopped short of its target (or changed it). */
enum balloon_reason {
	BALLOON_OK,
	BALLOON_NO_FREE_MEMORY,  /* down: the allocator has nothing more to give */
	BALLOON_HOST_REFUSED,    /* down: the host took fewer frames than asked */
	BALLOON_HOST_NO_MEMORY,  /* up: the host ran out of memory */
	BALLOON_HOST_MAX,        /* up: the host's maximum reservation is reached */
	BALLOON_NO_PAGES,        /* up: nothing ballooned that could come back */
	BALLOON_BACKEND_ERROR,   /* a backend call failed outright */
	BALLOON_ADD_FAILED,      /* up: adding or onlining a memory block failed */
};

/* How balloon_set_target changed the target it was given. */
enum balloon_clamp {
	BALLOON_CLAMP_NONE,
	BALLOON_CLAMP_HOST_MAX, /* above the host's maximum reservation */
	BALLOON_CLAMP_MAP,      /* above what memory blocks the guest can add hold */
	BALLOON_CLAMP_MIN,      /* below BALLOON_MIN_TARGET */
};

/* How pages handed to balloon_adopt stand with the host. */
enum balloon_adopt {
	/* No frame behind them (PV pfns past nr_pages): ballooned as they are. */
	BALLOON_ADOPT_UNBACKED,
	/*
	 * Populate-on-demand entries the guest never touched: released to the
	 * host at once, without scrubbing (touching them would populate them).
	 */
	BALLOON_ADOPT_POD,
};

struct balloon_stats {
	enum balloon_state state;
	u64 target, requested;   /* pages: in effect, and as asked */
	enum balloon_clamp clamp;
	u64 current;             /* pages the guest has */
	bool host_limit;         /* the backend has one: the next two are set */
	u64 host_current, host_max; /* pages, from the backend */
	u64 ballooned;           /* PageOffline pages the balloon holds */
	u64 ballooned_huge;      /* ...of which in whole 2 MiB runs */
	u64 pending;             /* ...adopted, still to give back unscrubbed */
	bool target_set;         /* a target was ever set */
	unsigned int retries;
	u64 retry_at_ns;         /* WAITING: when (balloon_work's clock) */
	u64 shortfall;           /* pages short when it last stopped short */
	enum balloon_reason reason;
	/* Totals since boot. */
	u64 pages_up, pages_down, calls, huge_up, huge_down;
	/* Memory blocks: added and removed by the balloon since boot, added
	 * and present now; time spent adding, populating, removing (ns). */
	u64 blocks_added, blocks_removed, blocks_now;
	u64 ballooned_online;    /* ballooned (not pending) pages in online blocks */
	/* since boot: adding, populating, removing, the backend's decrease,
	 * zeroing pages, inside balloon_work; the host's calls by kind */
	struct balloon_times total;
	u64 scrub_pages;         /* pages zeroed, since boot */
	bool scrub;              /* pages are zeroed before they go (backend asks, not off) */
	u64 untold;              /* pages reused without the host's answer
				    (tell_before_reuse false, populate timed out) */
	u64 stray;               /* memmap frames of removed blocks not given back yet */
	/* From the last target change to done (ns, clock_ns), and what of
	 * that time went where (host: the backend's host_calls). */
	u64 last_took_ns;
	struct balloon_times last;
	/* When balloon_work last asked to run again (clock_ns); 0: it did not
	 * (at rest, or waiting for a new target). */
	u64 next_run_ns;
	u64 rearmed;             /* times the glue found its call missing */
	/* balloon_work runs and targets set since boot; the last run (clock_ns):
	 * a balloon that is run but does not move shows here. */
	u64 runs, targets, last_run_ns;
};

/*
 * Register the backend (one at a time); -EBUSY if there is one, -EINVAL
 * for one the core cannot drive (no populate/decrease, host_limit without
 * max_pages/current_pages, pfn_shift other than PAGE_SHIFT).
 */
int balloon_register_backend(const struct balloon_backend *be);
bool balloon_has_backend(void);
/* The registered backend (for its name, capabilities and show), or NULL. */
const struct balloon_backend *balloon_get_backend(void);

/*
 * Set the target in pages. Returns the clamp applied (>= 0) or -ENODEV with
 * no backend. Clamps to [BALLOON_MIN_TARGET, balloon_max_target()]; the
 * clamp is kept in the stats and logged, it is not retried.
 */
int balloon_set_target(u64 pages);
/*
 * The highest target the host allows (guest pages), counting blocks the
 * balloon may still add (without a host limit: the guest's RAM and those
 * blocks); 0 with no backend.
 */
u64 balloon_max_target(void);

/*
 * Take over pages that start out ballooned: [pfn, pfn + nr) must all be
 * PageOffline with refcount 1 (as mm leaves RAM set offline at boot) and not
 * already the balloon's. -EINVAL / -EBUSY and no change otherwise.
 */
int balloon_adopt(unsigned long pfn, unsigned long nr, enum balloon_adopt how);

/*
 * Do one bounded batch of work. now_ns is a monotonic clock. Returns 0 when
 * nothing is pending (at target, or given up until a new target), else the
 * ns until it wants to be called again (BALLOON_AGAIN: at once). Never
 * spins: the caller schedules the next call.
 */
u64 balloon_work(u64 now_ns);

/*
 * Called by set_target and adopt when there is new work, so the kernel glue
 * can schedule balloon_work at once; NULL (the default) for none.
 */
void balloon_set_kick(void (*kick)(void));
/* The kernel's kick (drivers/balloon/sched.c): balloon_work from deferred calls. */
void balloon_schedule(void);
/*
 * When the glue should have called balloon_work by (clock_ns; 0: it need
 * not), and the glue saying it found its call missing and re-armed it
 * (counted, shown by the `balloon` command).
 */
u64 balloon_next_run(void);
void balloon_note_rearmed(void);
/* Zero pages before they go, when the backend asks (on at boot); off for
 * a host that scrubs what it is given. */
void balloon_set_scrub(bool on);

/* A PageOffline page on one of the balloon's lists (tagged page->private). */
struct page;
bool balloon_owns_page(const struct page *page);

void balloon_get_stats(struct balloon_stats *st);
const char *balloon_state_name(enum balloon_state s);
const char *balloon_reason_name(enum balloon_reason r);
const char *balloon_clamp_name(enum balloon_clamp c);

/* Walk the lists and check every page and counter; 0, or -EIO and a message. */
int balloon_check_consistency(void);

#ifdef BALLAST_HOST
/* Forget everything (the pages themselves belong to the test's mm reset). */
void balloon_reset_for_test(void);
/* Drop the backend, so a test can register another. */
void balloon_unregister_backend(void);
#endif

#endif
