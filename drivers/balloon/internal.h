/*
 * Balloon core internals: one state struct (so host tests can reset it),
 * the page lists and the two directions' steps.
 *
 * The core is a stack; each file calls only files below it, never one
 * above (tests/lint/layering.py checks this against its table):
 *
 *   cmd_balloon.c, sched.c   the shell command, the kernel's glue: the
 *                            public API (include/ballast/balloon.h) only
 *   balloon.c                policy: the target and the state machine
 *                            (balloon_work); registers the backend
 *   stats.c                  what the balloon shows, its self-check
 *   settle.c                 at the target, memory moves down a block: a
 *                            release (down.c) then a populate (up.c)
 *   down.c  up.c  adopt.c    the directions: one batch each, giving pages
 *                            to the host, taking them back, giving back
 *                            adopted populate-on-demand pages
 *   hotplug.c                memory blocks added and removed, frames given
 *                            back by pfn, the scans of added blocks
 *   backend.c  list.c        the bottom: every call of the backend (counted,
 *                            timed, misbehaviour turned into a reason); the
 *                            ballooned pages' lists
 *
 * The policy follows the backend's capabilities (struct balloon_backend)
 * and holds no rule of one host: 2 MiB extents only when its max_order
 * allows them, a scrub only when it asks for one, a host limit only when
 * it has one.
 */
#ifndef BALLOON_INTERNAL_H
#define BALLOON_INTERNAL_H

#include <ballast/balloon.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/page.h>
#include <ballast/printk.h>
#include <ballast/string.h>

/*
 * A list of ballooned pages, linked through page->private. The top 16 bits
 * of private carry a tag, so the core can tell its own PageOffline pages
 * from another driver's; the low 48 bits hold the next pfn.
 */
struct balloon_list {
	unsigned long head; /* BALLOON_NO_PFN when empty */
	u64 nr;             /* entries (pages, or 2 MiB runs on a huge list) */
};

#define BALLOON_NO_PFN 0xffffffffffffUL
#define BALLOON_PFN_MASK 0xffffffffffffULL
#define BALLOON_TAG_LINK (0xba11ULL << 48) /* on a list: low bits = next */
#define BALLOON_TAG_TAIL (0xba12ULL << 48) /* inside a 2 MiB run: low bits = head */

/*
 * The ballooned pages of one memory block (section): single pages and
 * whole 2 MiB runs. Per block, so a block the balloon empties can be
 * offlined and removed by dropping its lists, without searching.
 */
struct balloon_block {
	struct balloon_list small, huge;
	u64 pages;   /* on these two lists */
	u32 seq;     /* added by the balloon: the n-th block it added; else 0 */
	u32 backed;  /* while being onlined: pages from its start with a frame */
};

/*
 * Where going down looks for free pages in added blocks: newest block
 * first, and one block at a time (its 2 MiB runs, then its single pages),
 * so that a block empties completely before the next one is touched.
 */
struct balloon_scan {
	long nr;              /* block being scanned, -1: none */
	u32 seq;              /* its seq; the next block scanned has a lower one */
	unsigned long pfn[2]; /* next pfn to look at: [0] single pages, [1] 2 MiB runs */
};

/* Memmap frames of removed blocks the host did not take back yet. */
#define BALLOON_STRAY_MAX 8
struct balloon_stray {
	unsigned long pfn, nr;
};

struct balloon {
	const struct balloon_backend *be;
	void (*kick)(void);
	enum balloon_state state;
	bool target_set;       /* no target yet: only pending pages move */
	u64 target, requested;
	enum balloon_clamp clamp;
	/* Ballooned pages, per block, plus adopted populate-on-demand pages
	 * still to be given back unscrubbed. All count in `ballooned`. */
	struct balloon_block *blocks;
	unsigned long nr_blocks;
	unsigned long lo_small, lo_huge; /* no entries in blocks below these */
	u64 nr_small, nr_huge;           /* entries over all blocks */
	/* Blocks that may have emptied since balloon_remove_one last looked
	 * (pages ballooned in them, or a new target): [check_lo, check_hi).
	 * It looks at those only, not at every block of a 1 TiB guest. */
	unsigned long check_lo, check_hi;
	struct balloon_list pend_small, pend_huge;
	u64 ballooned;
	/* Populate-on-demand ranges in blocks left absent at boot: given back
	 * by pfn (no struct page), before anything else. */
	struct balloon_stray pod_absent[BALLOON_STRAY_MAX];
	struct balloon_stray stray[BALLOON_STRAY_MAX];
	/* Order 0 only: the host answered short for order 9 (until the next
	 * target or retry), or the backend never takes 2 MiB extents. */
	bool huge_up_refused, huge_down_refused;
	bool gave_up;          /* stopped short after the last retry */
	unsigned int retries;
	u64 retry_at;          /* WAITING: when (balloon_work's clock) */
	u64 shortfall;
	enum balloon_reason reason;
	u64 pages_up, pages_down, calls, huge_up, huge_down;
	u64 blocks_added, blocks_removed;
	u32 add_seq;           /* seq of the last block added */
	long removing;         /* block being offlined by the balloon, or -1 */
	long adding;           /* block being onlined by the balloon, or -1 */
	struct balloon_scan scan;
	unsigned long settle_top; /* settle.c: no added block above has free pages */
	struct balloon_times t; /* time in each, since boot (host: unused) */
	u64 scrub_pages;       /* pages zeroed before decrease, since boot */
	bool scrub_off;        /* `balloon scrub off`: the host scrubs */
	u64 untold;            /* pages reused with the host's answer missing */
	bool timing;           /* a target change not yet reached */
	u64 work_started;      /* clock_ns() when the target changed */
	u64 last_took_ns;
	struct balloon_times at_start, last; /* snapshot at the target; its deltas */
	u64 next_run;          /* balloon_work asked to run then; 0: not */
	u64 rearmed;           /* balloon_note_rearmed */
	u64 runs, targets, last_run; /* balloon_work, balloon_set_target */
	unsigned long pfns[BALLOON_BATCH]; /* the extent list of one call */
};

extern struct balloon balloon;

/* Pages are zeroed before they go: the backend asks, and not `scrub off`. */
static inline bool balloon_scrubs(void)
{
	return balloon.be && balloon.be->scrub && !balloon.scrub_off;
}

/* What the guest has: present RAM pages less ballooned ones. */
static inline u64 balloon_current(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st.present - balloon.ballooned;
}

/* ---- the bottom: backend.c ---------------------------------------------- */
/* 0, or -EINVAL for a backend the core cannot drive. */
int balloon_check_backend(const struct balloon_backend *be);
/* The backend takes 2 MiB extents (its max_order reaches BALLOON_HUGE_ORDER). */
bool balloon_huge_allowed(void);
/* Populate / decrease the extents in balloon.pfns; return extents done. */
unsigned long balloon_populate(unsigned long nr, unsigned int order,
			       enum balloon_reason *why);
unsigned long balloon_decrease(unsigned long nr, unsigned int order,
			       enum balloon_reason *why);
/* The host's count and limit; false when the backend has no host limit. */
bool balloon_host_pages(u64 *cur, u64 *max);
/* Why the host stopped short: its limit (if it has one), or its memory. */
enum balloon_reason balloon_host_reason(void);
/* stats.c: the time counters now (with the backend's host calls), and
 * t -= from. */
void balloon_times_now(struct balloon_times *t);
void balloon_times_sub(struct balloon_times *t, const struct balloon_times *from);
/* The backend's hotplug_base, 0 without one. */
u64 balloon_hotplug_base(void);

/* ---- the bottom: list.c ------------------------------------------------- */
void bl_push(struct balloon_list *l, unsigned long pfn);
unsigned long bl_pop(struct balloon_list *l);
/* A 2 MiB run of PageOffline pages headed by pfn onto a huge list. */
void bl_push_huge(struct balloon_list *l, unsigned long pfn);
/* Pages of a run (already popped) onto a list of single pages. */
void bl_push_run(struct balloon_list *l, unsigned long pfn, unsigned long n);
/* Ballooned pages onto / off their block's lists (not `ballooned`). */
int bal_blocks_init(void);
struct balloon_block *bal_block(unsigned long pfn);
void bal_keep_pages(unsigned long pfn, unsigned long n);
void bal_keep_run(unsigned long pfn);
/* Block nr gained ballooned pages: balloon_remove_one looks at it. */
void bal_may_be_empty(unsigned long nr);
/* Lowest block first, only from blocks below `below` (nr_blocks: any). */
bool bal_take_run(unsigned long *pfn, unsigned long below);
/* A single page; splits the lowest run when no single is below `below`. */
bool bal_take_page(unsigned long *pfn, unsigned long below);
/* Forget a removed block's lists; returns the pages they held. */
u64 bal_drop_block(unsigned long nr);

/* ---- hotplug.c ------------------------------------------------------------ */
/* Add a block whose pages come up ballooned (BALLOON_OK), or why not. */
enum balloon_reason balloon_add_block(void);
int balloon_hotplug_init(void);
/* Offline and remove one block the balloon emptied; false: none (left). */
bool balloon_remove_one(void);
/* Ballooned pages the backend could still bring in by hot-add. */
u64 balloon_addable_pages(void);
enum balloon_reason balloon_release_strays(void);
bool balloon_has_strays(void);
/* The added block the scan is in, moving to the next newest once both of
 * its cursors are at its end; -1 when every added block was scanned. */
long balloon_newest_block(struct balloon_scan *sc);
/* The set of blocks changed (or a new target): both scans of added blocks,
 * going down's (balloon.scan) and settling's (settle_top), start over. */
void balloon_scan_reset(void);
/* Let the next balloon_remove_one look at every block. */
void balloon_recheck_all(void);

/* ---- the directions: down.c, up.c, adopt.c; one batch each,
 * BALLOON_OK when it may go on ------------------------------------------------ */
enum balloon_reason balloon_down(u64 need);
/* Up to max free extents of 2^order pages in [*pfn, end) into
 * balloon.pfns, allocated; moves *pfn on. */
unsigned long balloon_grab_at(unsigned long *pfn, unsigned long end,
			      unsigned long max, unsigned int order);
/* Scrub (if the backend asks) and hand the host the extents grabbed in
 * balloon.pfns: those it took are ballooned, the rest freed. */
enum balloon_reason balloon_release_list(unsigned long nr, unsigned int order);
enum balloon_reason balloon_up(u64 need);
/* One batch from ballooned pages in blocks below `below` only. */
enum balloon_reason balloon_up_below(u64 need, unsigned long below);
enum balloon_reason balloon_release_pending(void);
/* settle.c, on down.c and up.c: one batch moving memory down; BALLOON_OK
 * when it moved some, BALLOON_NO_PAGES when there is nothing to move. */
enum balloon_reason balloon_settle(void);

#endif
