/*
 * xenstore client over the shared ring (xs_wire.h): one request at a time,
 * replies matched by req_id, watch events queued as they arrive and
 * delivered to their watch from the idle loop (process context). Errors
 * from xenstored ("ENOENT" ...) come back as negative errno.
 */
/* xs_wire.h first: it has an errno table of its own when EINVAL is known. */
#include <ballast/init.h>
#include <ballast/timer.h>
#include <ballast/xen/events.h>
#include <ballast/xen/xenstore.h>
#include <xen/io/xs_wire.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/string.h>

#define EV_QUEUE 16
#define EV_PATH_MAX 256

static struct xenstore_domain_interface *intf;
static u32 next_req_id = 1;
static struct xs_watch *watches;
static unsigned next_token;
static bool busy; /* a request is in flight: only it reads the ring */

static struct {
	char path[EV_PATH_MAX];
	char token[24];
} evq[EV_QUEUE];
static unsigned ev_head, ev_tail, ev_dropped;

static char msgbuf[XENSTORE_PAYLOAD_MAX + 1];

bool xs_ready(void)
{
	return intf != NULL;
}

static void notify(void)
{
	evtchn_send(xen.store_evtchn);
}

static void write_bytes(const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX prod = intf->req_prod;
		size_t room = XENSTORE_RING_SIZE - (prod - intf->req_cons);
		size_t chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);

		if (room == 0) {
			notify();
			xen_wait_event();
			continue;
		}
		chunk = MIN(MIN(chunk, room), len);
		memcpy(intf->req + MASK_XENSTORE_IDX(prod), p, chunk);
		__asm__ volatile("sfence" ::: "memory"); /* data before index */
		intf->req_prod = prod + chunk;
		p += chunk;
		len -= chunk;
	}
	notify();
}

static size_t rsp_avail(void)
{
	return intf->rsp_prod - intf->rsp_cons;
}

static void read_bytes(void *data, size_t len)
{
	char *p = data;
	bool untold = false; /* consumed bytes xenstored was not told about */

	while (len) {
		XENSTORE_RING_IDX cons = intf->rsp_cons;
		size_t avail = rsp_avail();
		size_t chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);

		if (avail == 0) {
			/* The rest of a message that did not fit: xenstored
			 * sleeps on a full ring until told there is room. */
			if (untold)
				notify();
			untold = false;
			xen_wait_event();
			continue;
		}
		__asm__ volatile("lfence" ::: "memory"); /* index before data */
		chunk = MIN(MIN(chunk, avail), len);
		memcpy(p, intf->rsp + MASK_XENSTORE_IDX(cons), chunk);
		__asm__ volatile("mfence" ::: "memory");
		intf->rsp_cons = cons + chunk;
		untold = true;
		p += chunk;
		len -= chunk;
	}
	notify();
}

/* Reads one message into msgbuf (NUL-terminated); -EIO if oversized. */
static int read_msg(struct xsd_sockmsg *hdr)
{
	read_bytes(hdr, sizeof(*hdr));
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		pr_err("xenstore: reply of %u bytes: protocol error\n", hdr->len);
		return -EIO;
	}
	read_bytes(msgbuf, hdr->len);
	msgbuf[hdr->len] = '\0';
	return 0;
}

/* Watch events lost to a full queue (the oldest go first). */
unsigned xs_events_dropped(void)
{
	return ev_dropped;
}

static void queue_event(size_t len)
{
	const char *path = msgbuf;
	size_t plen = strlen(path);
	const char *token = plen + 1 < len ? path + plen + 1 : "";

	if (ev_tail - ev_head == EV_QUEUE) {
		ev_dropped++; /* spurious events are allowed: the oldest goes */
		ev_head++;
	}
	strlcpy(evq[ev_tail % EV_QUEUE].path, path, EV_PATH_MAX);
	strlcpy(evq[ev_tail % EV_QUEUE].token, token, sizeof(evq[0].token));
	ev_tail++;
}

static const struct {
	const char *name;
	int err;
} xs_errors[] = {
	{ "EINVAL", -EINVAL }, { "EACCES", -EACCES }, { "EEXIST", -EEXIST },
	{ "ENOENT", -ENOENT }, { "ENOMEM", -ENOMEM }, { "ENOSPC", -ENOSPC },
	{ "EIO", -EIO },       { "ENOTEMPTY", -ENOTEMPTY },
	{ "ENOSYS", -ENOSYS }, { "EBUSY", -EBUSY }, { "EAGAIN", -EAGAIN },
	{ "E2BIG", -E2BIG },   { "EPERM", -EPERM },
};

static int error_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(xs_errors); i++)
		if (strcmp(name, xs_errors[i].name) == 0)
			return xs_errors[i].err;
	return -EIO; /* EISDIR, EROFS, ... have no errno of ours */
}

struct xs_iov {
	const void *base;
	size_t len;
};

/*
 * Sends a request and waits for its reply, queueing watch events that come
 * first. Copies the payload to reply (may be NULL); returns its length.
 */
static int xs_talk(u32 type, u32 tx, const struct xs_iov *iov, int niov,
		   char *reply, size_t size)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = tx };
	int err;

	if (!intf)
		return -ENODEV;
	for (int i = 0; i < niov; i++)
		hdr.len += iov[i].len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	hdr.req_id = next_req_id++;
	busy = true;
	write_bytes(&hdr, sizeof(hdr));
	for (int i = 0; i < niov; i++)
		write_bytes(iov[i].base, iov[i].len);
	for (;;) {
		struct xsd_sockmsg r;
		u32 want = hdr.req_id;

		if ((err = read_msg(&r)))
			break;
		if (r.type == XS_WATCH_EVENT) {
			queue_event(r.len);
			continue;
		}
		if (r.req_id != want)
			continue; /* a stale reply: not ours */
		if (r.type == XS_ERROR) {
			err = error_from_name(msgbuf);
			break;
		}
		if (reply && size) {
			memcpy(reply, msgbuf, MIN((size_t)r.len, size - 1));
			reply[MIN((size_t)r.len, size - 1)] = '\0';
		}
		err = (int)r.len;
		break;
	}
	busy = false;
	return err;
}

static int talk_path(u32 type, u32 tx, const char *path, char *reply,
		     size_t size)
{
	struct xs_iov iov = { path, strlen(path) + 1 };

	return xs_talk(type, tx, &iov, 1, reply, size);
}

int xs_read(u32 tx, const char *path, char *buf, size_t size)
{
	int n;

	if (!size) /* no room for the NUL; size - 1 below would wrap */
		return -EINVAL;
	n = talk_path(XS_READ, tx, path, buf, size);
	return n < 0 ? n : (int)MIN((size_t)n, size - 1);
}

int xs_write(u32 tx, const char *path, const char *value)
{
	struct xs_iov iov[2] = { { path, strlen(path) + 1 },
				 { value, strlen(value) } };
	int n = xs_talk(XS_WRITE, tx, iov, 2, NULL, 0);

	return n < 0 ? n : 0;
}

int xs_rm(u32 tx, const char *path)
{
	int n = talk_path(XS_RM, tx, path, NULL, 0);

	return n < 0 ? n : 0;
}

int xs_directory(u32 tx, const char *path, char *buf, size_t size,
		 size_t *len)
{
	int n, count = 0;

	if (!size) /* no room for the NUL; size - 1 below would wrap */
		return -EINVAL;
	n = talk_path(XS_DIRECTORY, tx, path, buf, size);
	if (n < 0)
		return n;
	*len = MIN((size_t)n, size - 1);
	for (size_t i = 0; i < *len; i++)
		count += buf[i] == '\0';
	return count;
}

int xs_transaction_start(u32 *tx)
{
	char id[16];
	int n = talk_path(XS_TRANSACTION_START, 0, "", id, sizeof(id));
	u32 v = 0;

	if (n < 0)
		return n;
	for (const char *p = id; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (u32)(*p - '0');
	*tx = v;
	return 0;
}

int xs_transaction_end(u32 tx, bool abort)
{
	int n = talk_path(XS_TRANSACTION_END, tx, abort ? "F" : "T", NULL, 0);

	return n < 0 ? n : 0;
}

/* ---- watches -------------------------------------------------------- */

int xs_watch_add(struct xs_watch *w)
{
	struct xs_iov iov[2];
	int n;

	ksnprintf(w->token, sizeof(w->token), "ballast-%u", next_token++);
	iov[0] = (struct xs_iov){ w->path, strlen(w->path) + 1 };
	iov[1] = (struct xs_iov){ w->token, strlen(w->token) + 1 };
	w->next = watches;
	watches = w; /* before the reply: the first event may come with it */
	n = xs_talk(XS_WATCH, 0, iov, 2, NULL, 0);
	if (n < 0) {
		watches = w->next;
		return n;
	}
	return 0;
}

int xs_watch_remove(struct xs_watch *w)
{
	struct xs_iov iov[2] = { { w->path, strlen(w->path) + 1 },
				 { w->token, strlen(w->token) + 1 } };
	int n = xs_talk(XS_UNWATCH, 0, iov, 2, NULL, 0);

	for (struct xs_watch **p = &watches; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	return n < 0 ? n : 0;
}

static struct xs_watch *find_watch(const char *token)
{
	for (struct xs_watch *w = watches; w; w = w->next)
		if (strcmp(w->token, token) == 0)
			return w;
	return NULL;
}

/*
 * From the idle loop: pull events that arrived while no request was in
 * flight, then deliver the queue. A callback may issue requests itself.
 */
void xs_poll_events(void)
{
	char path[EV_PATH_MAX], token[24];

	if (!intf || busy)
		return;
	while (rsp_avail() >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg r;

		if (read_msg(&r))
			return;
		if (r.type == XS_WATCH_EVENT)
			queue_event(r.len);
	}
	while (ev_head != ev_tail) {
		struct xs_watch *w;

		strlcpy(path, evq[ev_head % EV_QUEUE].path, sizeof(path));
		strlcpy(token, evq[ev_head % EV_QUEUE].token, sizeof(token));
		ev_head++;
		w = find_watch(token);
		if (w && w->fn)
			w->fn(w, path);
	}
}

static void store_event(evtchn_port_t port, void *arg)
{
	/* Replies are read by the waiting request, events by the idle loop. */
}

static struct idle_poll xs_idle_poll = { .fn = xs_poll_events };
static bool xs_idle_poll_registered;

int xs_init(void)
{
	char buf[16];
	int err;

	if (!xen.store_ring || !xen.store_evtchn)
		return -ENODEV;
	intf = xen.store_ring;
	err = evtchn_bind(xen.store_evtchn, store_event, NULL);
	if (err)
		return err;
	if (!xs_idle_poll_registered) {
		idle_poll_register(&xs_idle_poll);
		xs_idle_poll_registered = true;
	}
	err = xs_read(0, "domid", buf, sizeof(buf));
	if (err < 0)
		return err;
	xen.domid = 0;
	for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
		xen.domid = xen.domid * 10 + (*p - '0');
	return 0;
}

/*
 * Suspend: called from a watch callback or the shell, so no request is in
 * flight (xs_talk is synchronous); refuse if one is. Resume in a new
 * domain: the ring is at the same frame (zeroed on HVM/PVH: its indexes
 * are read from it, never kept), with a new port and domid; every watch is
 * gone, so each is registered again with its token, and fires once: each
 * driver re-reads its node (the balloon memory/target).
 */
static int xs_suspend(void)
{
	return busy ? -EBUSY : 0;
}

static void xs_resume(bool cancelled)
{
	struct xs_watch *w = watches;

	if (!intf || cancelled)
		return;
	if (xs_init()) {
		pr_err("xenstore: lost after resume\n");
		return;
	}
	watches = NULL;
	while (w) {
		struct xs_watch *next = w->next;
		int err = xs_watch_add(w);

		if (err)
			pr_warn("xenstore: watch %s not restored: %s\n",
				w->path, errno_name(err));
		w = next;
	}
}
SUSPEND_HOOK(xenstore, xs_suspend, xs_resume, INIT_LEVEL_EARLY);

static int xs_init_hook(void)
{
	int err;

	if (!xen_present())
		return -ENODEV;
	err = xs_init();
	if (err)
		pr_warn("xen: no xenstore: %s\n", errno_name(err));
	return 0;
}
INIT_HOOK(xenstore, xs_init_hook, INIT_LEVEL_EARLY);
