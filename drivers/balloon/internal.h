/*
 * Balloon core internals: one state struct (so host tests can reset it),
 * the page lists and the two directions' steps.
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

struct balloon {
	const struct balloon_backend *be;
	void (*kick)(void);
	enum balloon_state state;
	bool target_set;       /* no target yet: only pending pages move */
	u64 target, requested;
	enum balloon_clamp clamp;
	/* Ballooned pages: single pages, whole naturally aligned 2 MiB runs
	 * (head pfn listed), and adopted populate-on-demand pages still to be
	 * given back unscrubbed. All count in `ballooned`. */
	struct balloon_list small, huge, pend_small, pend_huge;
	u64 ballooned;
	/* The host answered short for order 9: order 0 until the next target
	 * or retry. */
	bool huge_up_refused, huge_down_refused;
	bool gave_up;          /* stopped short after the last retry */
	unsigned int retries;
	u64 retry_at;          /* WAITING: when (balloon_work's clock) */
	u64 shortfall;
	enum balloon_reason reason;
	u64 pages_up, pages_down, calls, huge_up, huge_down;
	bool timing;           /* a target change not yet reached */
	u64 work_started;      /* clock_ns() when the target changed */
	u64 last_took_ns;
	unsigned long pfns[BALLOON_BATCH]; /* the extent list of one call */
};

extern struct balloon balloon;

/* list.c */
void bl_push(struct balloon_list *l, unsigned long pfn);
unsigned long bl_pop(struct balloon_list *l);
/* A 2 MiB run of PageOffline pages headed by pfn onto a huge list. */
void bl_push_huge(struct balloon_list *l, unsigned long pfn);
/* Pages of a run (already popped) onto a list of single pages. */
void bl_push_run(struct balloon_list *l, unsigned long pfn, unsigned long n);

/* balloon.c */
u64 balloon_current(void);

/* down.c, up.c, adopt.c: one batch each; BALLOON_OK when it may go on. */
enum balloon_reason balloon_down(u64 need);
enum balloon_reason balloon_up(u64 need);
enum balloon_reason balloon_release_pending(void);
/* Hand the host the extents in balloon.pfns; returns extents done. */
unsigned long balloon_decrease(unsigned long nr, unsigned int order,
			       unsigned long *partial, enum balloon_reason *why);

#endif
