/*
 * A simulated free page reporting device (include/ballast/page_reporting.h)
 * for the unit tests: it answers at once, holds a report until the test
 * (or a drain) answers it, refuses, or never answers; as a host it drops
 * what it was given (the pages read as zeros afterwards, as under
 * virtio-balloon), or, with reclaim, takes the pages away altogether (out
 * of the direct map, so a touch before reclaim faults, as under Xen) and
 * gives zeroed ones back on reclaim, failing as many reclaims as asked.
 */
#ifndef SIM_REPORTING_H
#define SIM_REPORTING_H

#include <ballast/page_reporting.h>

enum sim_rep_mode {
	SIM_REP_ACK,    /* done(true) from inside report() */
	SIM_REP_HOLD,   /* keep it: sim_rep_answer() or a drain answers */
	SIM_REP_REFUSE, /* report() returns -EIO */
	SIM_REP_NACK,   /* done(false) from inside report() */
};

struct sim_rep {
	struct page_reporting_dev dev;
	enum sim_rep_mode mode;
	bool drain_answers;         /* drain() finishes a held report (ok) */
	unsigned long fail_reclaims; /* the next N reclaims fail (-ENOMEM) */
	/* What the host saw. */
	unsigned long reports, blocks, pages, max_batch, drains, reclaims,
		reclaim_failed;
	struct reported_block held[REPORTING_CAPACITY_MAX];
	unsigned int nheld;         /* a report held (0: none) */
	unsigned long last_pfn;     /* of the last reclaim */
	unsigned long failed_pfn;   /* of the last failed one */
	unsigned int last_order;
};

/* A device of `capacity`, with reclaim (Xen-like) or without (virtio). */
void sim_rep_init(struct sim_rep *s, unsigned int capacity, bool reclaim);
/* Answer the held report. */
void sim_rep_answer(struct sim_rep *s, bool ok);
/* Pages the simulated host dropped, and is dropped: whether pfn is. */
unsigned long sim_rep_dropped_pages(void);
bool sim_rep_dropped(unsigned long pfn);
/*
 * Every dropped 2 MiB chunk lies in a reported free block or in a block
 * out for a report (never handed out, never plain free): "" or what is
 * wrong.
 */
const char *sim_rep_check(void);
/* Deferred work for ns of fake time: the clock moves 1 ms, then due work
 * runs (one pass: a worker re-armed at once runs on the next ms). */
void sim_rep_run_for(u64 ns);

#endif
