/*
 * Helpers shared by the xenstore client tests (test_xenstore_api.c,
 * test_xenstore_ring.c), which run against sim_xenstore.c.
 *
 * Each struct xs_watch is static and used by one test only: a test that
 * fails halfway leaves its watch on the client's list, where a stack object
 * would dangle and a reused one would loop the list.
 */
#ifndef XENSTORE_FIXTURE_H
#define XENSTORE_FIXTURE_H

#include <ballast/types.h>
#include <ballast/xen/events.h>
#include <ballast/xen/guest.h>
#include <ballast/xen/xenstore.h>

/* Nothing went wrong on the daemon's side of the ring. */
void xst_clean(void);

/* A watch callback that records what it got in xst_fired. */
#define XST_MAX_FIRED 64
struct xst_fired {
	int n;
	struct xs_watch *w[XST_MAX_FIRED];
	char path[XST_MAX_FIRED][64];
	char value[XST_MAX_FIRED][64]; /* re-read by the callback */
};
extern struct xst_fired xst_fired;
void xst_record(struct xs_watch *w, const char *path);
void xst_fired_reset(void);

#endif
