/*
 * The simulated xenstored (see sim_xenstore.h): ring transport, a flat
 * in-memory tree, watches and transactions, and the fault knobs.
 */
#include "sim_xenstore.h"
#include "sim_evtchn.h"
#include "unit.h"
#include <ballast/xen/events.h>
#include <ballast/xen/guest.h>
#include <ballast/xen/xenstore.h>
#include <xen/io/xs_wire.h>
#include <stdlib.h>

#define HDR sizeof(struct xsd_sockmsg)
#define MAX_NODES 512
#define MAX_WATCHES 32
#define MAX_TXOPS 256
#define MAX_DENY 8
#define OUT_MAX (1u << 20)
#define LOCAL "/local/domain/7" /* SIM_XS_DOMID's home */

struct sim_xs_faults sim_xs_faults;
struct sim_xs_stats sim_xs_stats;

static struct xenstore_domain_interface ring; /* the shared page */
static bool blocked; /* output left over with the ring full: needs a kick */

static char inbuf[HDR + XENSTORE_PAYLOAD_MAX + 1]; /* request coming in */
static size_t inlen;
static char outq[OUT_MAX]; /* output not yet in the ring */
static size_t out_head, out_len;

static struct node {
	char *path, *val;
	size_t len;
} nodes[MAX_NODES];
static int nnodes;

static struct watch {
	char path[XENSTORE_ABS_PATH_MAX + 1]; /* as registered */
	char canon[XENSTORE_ABS_PATH_MAX + 1];
	char token[64];
} watches[MAX_WATCHES];
static int nwatches;

/* Transactions: writes and removals logged, applied on commit. */
static struct txop {
	u32 tx;
	char *path, *val; /* val NULL: a removal */
	size_t len;
} txops[MAX_TXOPS];
static int ntxops;
static u32 open_tx[8], next_tx;

static char deny[MAX_DENY][XENSTORE_ABS_PATH_MAX + 1];
static int ndeny;

/* ---- the event channel's far end (sim_evtchn.h) ----------------------- */

static void consume_req(void);
static void flush_out(void);

static void raise_event(void)
{
	sim_evtchn_raise(SIM_XS_PORT);
}

/* The guest kicked us. */
static void kicked(void)
{
	sim_xs_stats.kicks++;
	blocked = false;
	consume_req();
	flush_out();
}

static u32 rsp_used(void)
{
	u32 used = ring.rsp_prod - ring.rsp_cons;

	if (used > XENSTORE_RING_SIZE)
		unit_fail(__FILE__, __LINE__, "rsp_cons %#x beyond rsp_prod %#x",
			  ring.rsp_cons, ring.rsp_prod);
	return used;
}

/* A kick the guest owed us: output or requests that wait only for it. */
static bool stalled(void)
{
	return (out_len && blocked && rsp_used() < XENSTORE_RING_SIZE) ||
	       ring.req_prod != ring.req_cons;
}

/* The guest blocks with nothing pending. */
static void idle(void)
{
	if (sim_xs_faults.chunk && !blocked)
		flush_out(); /* a slow daemon gets on by itself */
	if (!sim_evtchn_pending(SIM_XS_PORT) && stalled()) {
		sim_xs_stats.stalls++;
		blocked = false;
		consume_req();
		flush_out();
	}
}

static void describe(char *buf, size_t size)
{
	snprintf(buf, size, "req %#x/%#x rsp %#x/%#x, %zu bytes queued",
		 ring.req_cons, ring.req_prod, ring.rsp_cons, ring.rsp_prod,
		 out_len);
}

static const struct sim_evtchn_peer xenstored = {
	.notify = kicked,
	.idle = idle,
	.describe = describe,
	.name = "xenstored",
};

/* ---- ring transport --------------------------------------------------- */

static void out_put(const void *p, size_t n)
{
	if (out_head + out_len + n > OUT_MAX) {
		memmove(outq, outq + out_head, out_len);
		out_head = 0;
	}
	if (out_len + n > OUT_MAX)
		unit_fail(__FILE__, __LINE__, "sim output queue full");
	memcpy(outq + out_head + out_len, p, n);
	out_len += n;
}

static void send_msg(u32 type, u32 req_id, u32 tx_id, const void *body,
		     size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, (u32)len };

	out_put(&h, HDR);
	out_put(body, len);
}

/* Output into the ring, wrapping at its end; one chunk if chunk is set. */
static void flush_out(void)
{
	size_t limit = sim_xs_faults.chunk ? sim_xs_faults.chunk : OUT_MAX;
	size_t done = 0;

	while (out_len && done < limit) {
		XENSTORE_RING_IDX prod = ring.rsp_prod;
		size_t n = XENSTORE_RING_SIZE - rsp_used();

		n = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod));
		n = MIN(MIN(n, out_len), limit - done);
		if (!n)
			break;
		memcpy(ring.rsp + MASK_XENSTORE_IDX(prod), outq + out_head, n);
		ring.rsp_prod = prod + (u32)n;
		out_head += n;
		out_len -= n;
		done += n;
	}
	blocked = out_len && rsp_used() == XENSTORE_RING_SIZE;
	if (done)
		raise_event();
}

static void handle(struct xsd_sockmsg *req, char *body);

/* Bytes still missing from the request in inbuf. */
static size_t req_missing(void)
{
	struct xsd_sockmsg *h = (void *)inbuf;

	if (inlen < HDR)
		return HDR - inlen;
	if (h->len > XENSTORE_PAYLOAD_MAX)
		unit_fail(__FILE__, __LINE__, "client sent a %u-byte payload",
			  h->len);
	return HDR + h->len - inlen;
}

static void consume_req(void)
{
	bool got = false;

	while (ring.req_prod != ring.req_cons) {
		XENSTORE_RING_IDX cons = ring.req_cons;
		size_t n = ring.req_prod - cons;

		if (n > XENSTORE_RING_SIZE)
			unit_fail(__FILE__, __LINE__, "req_prod %#x ahead by %zu",
				  ring.req_prod, n);
		n = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons));
		n = MIN(n, req_missing());
		memcpy(inbuf + inlen, ring.req + MASK_XENSTORE_IDX(cons), n);
		inlen += n;
		ring.req_cons = cons + (u32)n;
		got = true;
		if (req_missing() == 0) {
			struct xsd_sockmsg h;

			memcpy(&h, inbuf, HDR);
			inbuf[inlen] = '\0'; /* room: see the body sizes below */
			handle(&h, inbuf + HDR);
			inlen = 0;
		}
	}
	if (got)
		raise_event(); /* the guest may wait for req space */
}

size_t sim_xs_unread(void)
{
	return out_len + rsp_used();
}

/* ---- the tree --------------------------------------------------------- */

static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("-/_@", c);
}

/* Like xenstored: relative paths under our domain; junk is EINVAL. */
static bool canon(const char *in, char *out)
{
	size_t n = strlen(in);
	size_t max = in[0] == '/' ? XENSTORE_ABS_PATH_MAX : XENSTORE_REL_PATH_MAX;

	if (n == 0 || n > max || strstr(in, "//") ||
	    (n > 1 && in[n - 1] == '/'))
		return false;
	for (const char *p = in; *p; p++)
		if (!path_char(*p))
			return false;
	if (in[0] == '/')
		snprintf(out, XENSTORE_ABS_PATH_MAX + 1, "%s", in);
	else
		snprintf(out, XENSTORE_ABS_PATH_MAX + 1, LOCAL "/%s", in);
	return true;
}

/* PATH is BASE or below it. */
static bool under(const char *path, const char *base)
{
	size_t n = strlen(base);

	if (strcmp(base, "/") == 0)
		return true;
	return strncmp(path, base, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static struct node *find(const char *path)
{
	for (int i = 0; i < nnodes; i++)
		if (strcmp(nodes[i].path, path) == 0)
			return &nodes[i];
	return NULL;
}

static char *dup_bytes(const char *p, size_t len)
{
	char *d = malloc(len + 1);

	memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

static void queue_event(const struct watch *w, const char *path)
{
	char body[2 * XENSTORE_ABS_PATH_MAX];
	size_t lo = strlen(LOCAL "/");
	int n;

	/* Reported in the form the watch was registered in. */
	if (w->path[0] != '/' && strncmp(path, LOCAL "/", lo) == 0)
		path += lo;
	n = snprintf(body, sizeof(body), "%s%c%s", path, 0, w->token);
	send_msg(XS_WATCH_EVENT, 0, 0, body, (size_t)n + 1);
	sim_xs_stats.events++;
}

static void fire(const char *path, bool removed)
{
	for (int i = 0; i < nwatches; i++) {
		if (under(path, watches[i].canon))
			queue_event(&watches[i], path);
		else if (removed && under(watches[i].canon, path))
			queue_event(&watches[i], watches[i].canon);
	}
}

static void set_node(const char *path, const char *val, size_t len)
{
	struct node *n = find(path);

	if (!n) {
		if (nnodes == MAX_NODES)
			unit_fail(__FILE__, __LINE__, "sim tree full");
		n = &nodes[nnodes++];
		n->path = strdup(path);
		n->val = NULL;
	}
	free(n->val);
	n->val = dup_bytes(val, len);
	n->len = len;
}

/* Writes create missing parents with empty values, as xenstored does. */
static void tree_write(const char *path, const char *val, size_t len)
{
	char parent[XENSTORE_ABS_PATH_MAX + 1];

	for (const char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(s - path), path);
		if (!find(parent))
			set_node(parent, "", 0);
	}
	set_node(path, val, len);
	fire(path, false);
}

static bool tree_rm(const char *path)
{
	int j = 0;

	if (!find(path))
		return false;
	for (int i = 0; i < nnodes; i++) {
		if (under(nodes[i].path, path)) {
			free(nodes[i].path);
			free(nodes[i].val);
		} else {
			nodes[j++] = nodes[i];
		}
	}
	nnodes = j;
	fire(path, true);
	return true;
}

/* ---- requests --------------------------------------------------------- */

static void reply(const struct xsd_sockmsg *req, u32 type, const void *body,
		  size_t len)
{
	for (unsigned i = 0; i < sim_xs_faults.spurious; i++) {
		if (nwatches)
			queue_event(&watches[0], watches[0].canon);
		else
			send_msg(XS_WATCH_EVENT, 0, 0, "/x\0nobody", 10);
	}
	for (unsigned i = 0; i < sim_xs_faults.stale; i++)
		send_msg(i % 2 ? XS_ERROR : type, req->req_id - 1 - i,
			 req->tx_id, i % 2 ? "EIO" : "stale", 6 - 2 * (i % 2));
	if (sim_xs_faults.oversize) {
		struct xsd_sockmsg h = { type, req->req_id, req->tx_id,
					 sim_xs_faults.oversize };

		sim_xs_faults.oversize = 0;
		out_put(&h, HDR);
		return;
	}
	send_msg(type, req->req_id, req->tx_id, body, len);
}

static void reply_err(const struct xsd_sockmsg *req, const char *name)
{
	reply(req, XS_ERROR, name, strlen(name) + 1);
}

static void reply_ok(const struct xsd_sockmsg *req)
{
	reply(req, req->type, "OK", 3);
}

static bool denied(const char *path)
{
	for (int i = 0; i < ndeny; i++)
		if (under(path, deny[i]))
			return true;
	return false;
}

static bool tx_open(u32 tx)
{
	for (size_t i = 0; i < ARRAY_SIZE(open_tx); i++)
		if (tx && open_tx[i] == tx)
			return true;
	return false;
}

static void tx_log(u32 tx, const char *path, const char *val, size_t len)
{
	struct txop *op = &txops[ntxops];

	if (ntxops == MAX_TXOPS)
		unit_fail(__FILE__, __LINE__, "sim transaction log full");
	ntxops++;
	op->tx = tx;
	op->path = strdup(path);
	op->val = val ? dup_bytes(val, len) : NULL;
	op->len = len;
}

/* The value PATH has inside TX (or outside, tx 0); NULL when absent. */
static const char *lookup(u32 tx, const char *path, size_t *len)
{
	struct node *n;

	for (int i = ntxops - 1; tx && i >= 0; i--) {
		if (txops[i].tx != tx)
			continue;
		if (txops[i].val && strcmp(txops[i].path, path) == 0) {
			*len = txops[i].len;
			return txops[i].val;
		}
		if (!txops[i].val && under(path, txops[i].path))
			return NULL;
	}
	n = find(path);
	if (n)
		*len = n->len;
	return n ? n->val : NULL;
}

static void do_read(struct xsd_sockmsg *req, const char *path)
{
	size_t len;
	const char *v = lookup(req->tx_id, path, &len);

	if (!v)
		reply_err(req, "ENOENT");
	else
		reply(req, XS_READ, v, len);
}

static void do_write(struct xsd_sockmsg *req, const char *path,
		     const char *val, size_t len)
{
	if (req->tx_id)
		tx_log(req->tx_id, path, val, len);
	else
		tree_write(path, val, len);
	reply_ok(req);
}

static void do_rm(struct xsd_sockmsg *req, const char *path)
{
	size_t len;

	if (!lookup(req->tx_id, path, &len))
		return reply_err(req, "ENOENT");
	if (req->tx_id)
		tx_log(req->tx_id, path, NULL, 0);
	else
		tree_rm(path);
	reply_ok(req);
}

/* Children in creation order, each NUL-terminated (tx-local writes are not
 * listed: the sim keeps directories outside transactions simple). */
static void do_directory(struct xsd_sockmsg *req, const char *path)
{
	static char out[XENSTORE_PAYLOAD_MAX + 256];
	size_t len = 0, plen = strcmp(path, "/") ? strlen(path) : 0;

	if (!find(path) && strcmp(path, "/") != 0)
		return reply_err(req, "ENOENT");
	for (int i = 0; i < nnodes; i++) {
		const char *p = nodes[i].path;

		if (strncmp(p, path, plen) || p[plen] != '/' || !p[plen + 1] ||
		    strchr(p + plen + 1, '/'))
			continue;
		if (len + strlen(p + plen + 1) + 1 > XENSTORE_PAYLOAD_MAX)
			return reply_err(req, "E2BIG");
		len += (size_t)sprintf(out + len, "%s", p + plen + 1) + 1;
	}
	reply(req, XS_DIRECTORY, out, len);
}

static void do_watch(struct xsd_sockmsg *req, const char *path,
		     const char *canonical, const char *token)
{
	struct watch *w = &watches[nwatches];

	if (nwatches == MAX_WATCHES || strlen(token) >= sizeof(w->token))
		return reply_err(req, "ENOSPC");
	nwatches++;
	strcpy(w->path, path);
	strcpy(w->canon, canonical);
	strcpy(w->token, token);
	reply_ok(req);
	queue_event(w, canonical); /* fires once up front, after the ack */
}

static void do_unwatch(struct xsd_sockmsg *req, const char *path,
		       const char *token)
{
	for (int i = 0; i < nwatches; i++) {
		if (strcmp(watches[i].path, path) || strcmp(watches[i].token, token))
			continue;
		watches[i] = watches[--nwatches];
		return reply_ok(req);
	}
	reply_err(req, "ENOENT");
}

static void do_tx_start(struct xsd_sockmsg *req)
{
	char id[16];

	for (size_t i = 0; i < ARRAY_SIZE(open_tx); i++) {
		if (open_tx[i])
			continue;
		open_tx[i] = ++next_tx;
		snprintf(id, sizeof(id), "%u", next_tx);
		return reply(req, XS_TRANSACTION_START, id, strlen(id) + 1);
	}
	reply_err(req, "ENOSPC");
}

/* Applies (commit) or drops the log of TX, then closes it. */
static void tx_finish(u32 tx, bool commit)
{
	int j = 0;

	for (int i = 0; i < ntxops; i++) {
		struct txop *op = &txops[i];

		if (op->tx != tx) {
			txops[j++] = *op;
			continue;
		}
		if (commit && op->val)
			tree_write(op->path, op->val, op->len);
		else if (commit)
			tree_rm(op->path);
		free(op->path);
		free(op->val);
	}
	ntxops = j;
	for (size_t i = 0; i < ARRAY_SIZE(open_tx); i++)
		if (open_tx[i] == tx)
			open_tx[i] = 0;
}

static void do_tx_end(struct xsd_sockmsg *req, const char *arg)
{
	bool commit = strcmp(arg, "T") == 0;

	if (!commit && strcmp(arg, "F") != 0)
		return reply_err(req, "EINVAL");
	if (commit && sim_xs_faults.eagain) {
		sim_xs_faults.eagain--;
		tx_finish(req->tx_id, false);
		return reply_err(req, "EAGAIN");
	}
	tx_finish(req->tx_id, commit);
	reply_ok(req);
}

/* The body holds exactly NSTR NUL-terminated strings (WRITE: 1 + value). */
static bool well_formed(const struct xsd_sockmsg *req, const char *body,
			int nstr)
{
	size_t off = 0;

	for (int i = 0; i < nstr; i++) {
		size_t n = strnlen(body + off, req->len - off);

		if (off + n >= req->len)
			return false;
		off += n + 1;
	}
	return req->type == XS_WRITE || off == req->len;
}

static int strings_in(u32 type)
{
	switch (type) {
	case XS_WATCH:
	case XS_UNWATCH:
		return 2;
	case XS_READ: case XS_WRITE: case XS_RM: case XS_DIRECTORY:
	case XS_TRANSACTION_START: case XS_TRANSACTION_END:
		return 1;
	default:
		return -1;
	}
}

/* Checks shared by every request; false when already answered. */
static bool admit(struct xsd_sockmsg *req, const char *body, char *path)
{
	int nstr = strings_in(req->type);
	bool has_path = req->type != XS_TRANSACTION_START &&
			req->type != XS_TRANSACTION_END;

	if (nstr < 0 || !well_formed(req, body, nstr)) {
		sim_xs_stats.bad_reqs++;
		reply_err(req, "EINVAL");
		return false;
	}
	if (sim_xs_faults.error) {
		reply_err(req, sim_xs_faults.error);
		sim_xs_faults.error = NULL;
		return false;
	}
	if (req->tx_id && !tx_open(req->tx_id)) {
		reply_err(req, "ENOENT");
		return false;
	}
	if (has_path && !canon(body, path)) {
		reply_err(req, "EINVAL");
		return false;
	}
	if (has_path && req->type != XS_WATCH && req->type != XS_UNWATCH &&
	    denied(path)) {
		reply_err(req, "EACCES");
		return false;
	}
	return true;
}

static void handle(struct xsd_sockmsg *req, char *body)
{
	static char path[XENSTORE_ABS_PATH_MAX + 1];
	const char *arg2 = body + strlen(body) + 1;

	sim_xs_stats.requests++;
	sim_xs_stats.last_type = req->type;
	if (!admit(req, body, path))
		return;
	switch (req->type) {
	case XS_READ: return do_read(req, path);
	case XS_WRITE:
		return do_write(req, path, arg2, req->len - (arg2 - body));
	case XS_RM: return do_rm(req, path);
	case XS_DIRECTORY: return do_directory(req, path);
	case XS_WATCH: return do_watch(req, body, path, arg2);
	case XS_UNWATCH: return do_unwatch(req, body, arg2);
	case XS_TRANSACTION_START: return do_tx_start(req);
	case XS_TRANSACTION_END: return do_tx_end(req, body);
	}
}

/* ---- test interface --------------------------------------------------- */

void sim_xs_reset(u32 ring_start)
{
	for (int i = 0; i < nnodes; i++) {
		free(nodes[i].path);
		free(nodes[i].val);
	}
	for (int i = 0; i < ntxops; i++) {
		free(txops[i].path);
		free(txops[i].val);
	}
	nnodes = nwatches = ntxops = ndeny = 0;
	memset(open_tx, 0, sizeof(open_tx));
	next_tx = 0;
	memset(&sim_xs_faults, 0, sizeof(sim_xs_faults));
	memset(&sim_xs_stats, 0, sizeof(sim_xs_stats));
	memset(&ring, 0, sizeof(ring));
	ring.req_cons = ring.req_prod = ring_start;
	ring.rsp_cons = ring.rsp_prod = ring_start;
	inlen = out_head = out_len = 0;
	blocked = false;
	sim_evtchn_connect(SIM_XS_PORT, &xenstored);
	memset(&xen, 0, sizeof(xen));
	xen.mode = XEN_PVH;
	xen.store_ring = &ring;
	xen.store_evtchn = SIM_XS_PORT;
	xen.domid = -1;
	sim_xs_set("domid", "7");
}

void sim_xs_boot(u32 ring_start)
{
	sim_xs_reset(ring_start);
	CHECK_EQ(xs_init(), 0);
	CHECK_EQ(xen.domid, SIM_XS_DOMID);
	xs_poll_events(); /* a failed test may have left some queued */
	memset(&sim_xs_stats, 0, sizeof(sim_xs_stats));
}

void sim_xs_set(const char *path, const char *value)
{
	char c[XENSTORE_ABS_PATH_MAX + 1];

	if (!canon(path, c))
		unit_fail(__FILE__, __LINE__, "sim_xs_set: bad path %s", path);
	tree_write(c, value, strlen(value));
	flush_out(); /* the events it fired */
}

const char *sim_xs_get(const char *path)
{
	char c[XENSTORE_ABS_PATH_MAX + 1];
	struct node *n = canon(path, c) ? find(c) : NULL;

	return n ? n->val : NULL;
}

void sim_xs_deny(const char *prefix)
{
	if (ndeny == MAX_DENY || !canon(prefix, deny[ndeny]))
		unit_fail(__FILE__, __LINE__, "sim_xs_deny(%s)", prefix);
	ndeny++;
}

void sim_xs_fire(const char *path, const char *token)
{
	char body[XENSTORE_ABS_PATH_MAX + 80];
	int n = snprintf(body, sizeof(body), "%s%c%s", path, 0, token);

	send_msg(XS_WATCH_EVENT, 0, 0, body, (size_t)n + 1);
	sim_xs_stats.events++;
	flush_out(); /* the daemon sends as soon as it can */
}
