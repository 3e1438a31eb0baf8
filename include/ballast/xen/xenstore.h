/*
 * xenstore client (drivers/xen/xenstore.c): requests over the shared ring,
 * replies matched by req_id, watch events delivered from the idle loop.
 * Errors are negative errno (XS_ERROR's errno name mapped back).
 */
#ifndef BALLAST_XEN_XENSTORE_H
#define BALLAST_XEN_XENSTORE_H

#include <ballast/types.h>

/* Connect to the ring start_info / HVM params named (an init hook). */
int xs_init(void);
bool xs_ready(void);
/* Read PATH into buf (NUL-terminated); returns the length or -errno. */
int xs_read(u32 tx, const char *path, char *buf, size_t size);
int xs_write(u32 tx, const char *path, const char *value);
int xs_rm(u32 tx, const char *path);
/* Directory: NUL-separated names in buf; returns the count or -errno. */
int xs_directory(u32 tx, const char *path, char *buf, size_t size,
		 size_t *len);
int xs_transaction_start(u32 *tx);
/* abort: true to discard; -EAGAIN when the transaction must be retried. */
int xs_transaction_end(u32 tx, bool abort);

struct xs_watch {
	const char *path;
	char token[24];   /* filled by xs_watch_add */
	/* Runs in process context (idle loop) with the path that fired. */
	void (*fn)(struct xs_watch *w, const char *path);
	struct xs_watch *next;
};
int xs_watch_add(struct xs_watch *w);
int xs_watch_remove(struct xs_watch *w);
/* Watch events dropped because the client's queue was full. */
unsigned xs_events_dropped(void);
/* Deliver queued watch events (the idle loop calls it). */
void xs_poll_events(void);

#endif
