/*
 * A simulated xenstored for the host unit tests: it owns the shared ring
 * page that xen.store_ring points at and plays the far end of event channel
 * SIM_XS_PORT (sim_evtchn.h), which is what drivers/xen/xenstore.c talks to.
 *
 * Like the real daemon it acts only when kicked (evtchn_send): it then
 * takes request bytes off the req ring, answers whole requests, and copies
 * queued output into the rsp ring as far as there is room. Output that did
 * not fit waits for the next kick, so a client that drains the ring without
 * kicking would hang on real Xen; here xen_wait_event counts that as a
 * stall (and rescues it, so one bug does not take the rest of the test
 * down). A wait that nothing could ever end fails the test.
 *
 * The tree is a flat list of absolute paths; relative paths live under
 * /local/domain/SIM_XS_DOMID, as xenstored resolves them.
 */
#ifndef SIM_XENSTORE_H
#define SIM_XENSTORE_H

#include <ballast/types.h>

#define SIM_XS_DOMID 7
#define SIM_XS_PORT 3

/* Fault injection; every field is zero after sim_xs_reset(). */
struct sim_xs_faults {
	/* Copy at most this many bytes per step; further steps come on their
	 * own (in xen_wait_event), as a slow daemon would. 0: all that fits. */
	size_t chunk;
	unsigned stale;    /* per reply: this many wrong-req_id replies first */
	unsigned spurious; /* per reply: this many watch events first */
	u32 oversize;      /* next reply: a bare header claiming this length */
	const char *error; /* next request: answered XS_ERROR with this name */
	unsigned eagain;   /* this many commits answered EAGAIN (and dropped) */
};

struct sim_xs_stats {
	unsigned requests;   /* whole requests answered */
	unsigned kicks;      /* evtchn_send calls */
	unsigned events;     /* XS_WATCH_EVENT messages queued */
	unsigned stalls;     /* waits that only a missing kick kept waiting */
	unsigned bad_reqs;   /* malformed requests (answered EINVAL) */
	u32 last_type;       /* of the last request */
};

extern struct sim_xs_faults sim_xs_faults;
extern struct sim_xs_stats sim_xs_stats;

/* Forget everything: tree (holds only "domid"), watches, transactions,
 * faults, stats; all four ring indexes start at ring_start. Also resets
 * xen and connects the daemon to SIM_XS_PORT. */
void sim_xs_reset(u32 ring_start);
/* sim_xs_reset, xs_init, drain the client's leftover events, zero the
 * stats: a fresh client/daemon pair for one test. */
void sim_xs_boot(u32 ring_start);

/* Direct tree access, bypassing the ring (path absolute or relative). */
void sim_xs_set(const char *path, const char *value);
/* The value, or NULL when absent. */
const char *sim_xs_get(const char *path);
/* Requests touching PREFIX or below get EACCES. */
void sim_xs_deny(const char *prefix);
/* An unsolicited watch event, queued now (as if a watch fired). */
void sim_xs_fire(const char *path, const char *token);
/* Bytes the daemon has queued that the client has not read yet. */
size_t sim_xs_unread(void);

#endif
