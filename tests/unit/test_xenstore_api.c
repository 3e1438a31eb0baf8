/*
 * drivers/xen/xenstore.c against the simulated xenstored (sim_xenstore.c):
 * round trips, error mapping, watches, transactions, and the ring under
 * faults (chunked and stale replies, stray events, wrap-around).
 *
 * Each struct xs_watch is static and used by one test only: a test that
 * fails halfway leaves its watch on the client's list, where a stack object
 * would dangle and a reused one would loop the list.
 */
#include "unit.h"
#include "sim_xenstore.h"
#include <ballast/xen.h>
#include <xen/io/xs_wire.h> /* before errno.h, as in xenstore.c */
#include <ballast/errno.h>
#include <stdlib.h>

/* Ring indexes that wrap 2^32 (and so the ring's end) within 64 bytes,
 * and ones that reach the ring's end only. */
#define NEAR_WRAP (0xffffffffu - 40)
#define NEAR_END (0x12345400u - 30)

/* Nothing went wrong on the daemon's side of the ring. */
static void sim_clean(void)
{
	CHECK_EQ(sim_xs_stats.stalls, 0);
	CHECK_EQ(sim_xs_stats.bad_reqs, 0);
}

/* ---- watch callbacks record what they got ------------------------------ */

#define MAX_FIRED 64
static struct {
	int n;
	struct xs_watch *w[MAX_FIRED];
	char path[MAX_FIRED][64];
	char value[MAX_FIRED][64]; /* re-read by the callback */
} fired;

static void record(struct xs_watch *w, const char *path)
{
	int i = fired.n++;

	if (i >= MAX_FIRED)
		return;
	fired.w[i] = w;
	snprintf(fired.path[i], sizeof(fired.path[i]), "%s", path);
	if (xs_read(0, path, fired.value[i], sizeof(fired.value[i])) < 0)
		strcpy(fired.value[i], "<gone>");
}

static void fired_reset(void)
{
	memset(&fired, 0, sizeof(fired));
}

/* ---- round trips ---------------------------------------------------- */

TEST(xs_init_reads_domid)
{
	sim_xs_reset(0);
	CHECK_EQ(xenstore_init(), 0);
	CHECK(xenstore_ready());
	CHECK_EQ(xen.domid, SIM_XS_DOMID);
	CHECK_EQ(sim_xs_stats.requests, 1);
	CHECK_EQ(sim_xs_stats.last_type, XS_READ);
	sim_clean();
}

TEST(xs_write_read_roundtrip)
{
	char buf[64];

	sim_xs_boot(0);
	CHECK_EQ(xs_write(0, "data/greeting", "hello"), 0);
	CHECK_STR(sim_xs_get("/local/domain/7/data/greeting"), "hello");
	CHECK_EQ(xs_read(0, "data/greeting", buf, sizeof(buf)), 5);
	CHECK_STR(buf, "hello");
	CHECK_EQ(xs_read(0, "/local/domain/7/data/greeting", buf, sizeof(buf)),
		 5);
	CHECK_STR(buf, "hello");
	CHECK_EQ(xs_write(0, "data/greeting", ""), 0); /* empty value */
	CHECK_EQ(xs_read(0, "data/greeting", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	CHECK_EQ(xs_read(0, "data", buf, sizeof(buf)), 0); /* implicit parent */
	sim_clean();
}

TEST(xs_rm_removes_subtree)
{
	char buf[16];

	sim_xs_boot(0);
	sim_xs_set("dev/vif/0/mac", "00:16:3e");
	sim_xs_set("dev/vif/1/mac", "00:16:3f");
	CHECK_EQ(xs_rm(0, "dev/vif/0"), 0);
	CHECK(!sim_xs_get("dev/vif/0/mac"));
	CHECK_EQ(xs_read(0, "dev/vif/0/mac", buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(xs_read(0, "dev/vif/1/mac", buf, sizeof(buf)), 8);
	CHECK_EQ(xs_rm(0, "dev/vif/0"), -ENOENT);
	sim_clean();
}

TEST(xs_directory_lists_children)
{
	char buf[64];
	size_t len = 99;

	sim_xs_boot(0);
	sim_xs_set("dev/alpha", "1");
	sim_xs_set("dev/beta/x", "2");
	sim_xs_set("dev/gamma", "3");
	CHECK_EQ(xs_directory(0, "dev", buf, sizeof(buf), &len), 3);
	CHECK_EQ(len, 17);
	CHECK(memcmp(buf, "alpha\0beta\0gamma\0", 17) == 0);
	CHECK_EQ(xs_directory(0, "dev/alpha", buf, sizeof(buf), &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(xs_directory(0, "nothing", buf, sizeof(buf), &len), -ENOENT);
	sim_clean();
}

TEST(xs_directory_truncates_safely)
{
	char buf[16];
	size_t len;

	sim_xs_boot(0);
	sim_xs_set("dev/alpha", "1");
	sim_xs_set("dev/beta", "2");
	sim_xs_set("dev/gamma", "3");
	memset(buf, 'Z', sizeof(buf));
	/* Room for "alpha\0b" and the terminator: one whole name. */
	CHECK_EQ(xs_directory(0, "dev", buf, 8, &len), 1);
	CHECK_EQ(len, 7);
	CHECK(memcmp(buf, "alpha\0b\0", 8) == 0);
	CHECK_EQ(buf[8], 'Z');
	sim_clean();
}

TEST(xs_read_truncates_to_small_buffer)
{
	char buf[16];

	sim_xs_boot(0);
	sim_xs_set("name", "hello world");
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(xs_read(0, "name", buf, 6), 5);
	CHECK_STR(buf, "hello");
	CHECK_EQ(buf[6], 'Z');
	CHECK_EQ(xs_read(0, "name", buf, 1), 0);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[1], 'e'); /* untouched since the read before */
	CHECK_EQ(xs_read(0, "name", buf, 12), 11); /* exactly fits */
	CHECK_STR(buf, "hello world");
	sim_clean();
}

/* ---- errors --------------------------------------------------------- */

TEST(xs_errors_from_the_daemon)
{
	char buf[16];
	size_t len;

	sim_xs_boot(0);
	sim_xs_set("/local/domain/0/secret", "x");
	sim_xs_deny("/local/domain/0");
	CHECK_EQ(xs_read(0, "missing", buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(xs_read(0, "/local/domain/0/secret", buf, sizeof(buf)),
		 -EACCES);
	CHECK_EQ(xs_write(0, "/local/domain/0/secret", "y"), -EACCES);
	CHECK_STR(sim_xs_get("/local/domain/0/secret"), "x");
	CHECK_EQ(xs_read(0, "bad//path", buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(xs_write(0, "bad path", "v"), -EINVAL);
	CHECK_EQ(xs_directory(0, "trailing/", buf, sizeof(buf), &len), -EINVAL);
	CHECK_EQ(xs_rm(0, "/local/domain/0"), -EACCES);
	sim_clean();
}

TEST(xs_error_names_map_to_errno)
{
	static const struct {
		const char *name;
		int err;
	} map[] = {
		{ "EINVAL", -EINVAL }, { "EACCES", -EACCES },
		{ "EEXIST", -EEXIST }, { "ENOENT", -ENOENT },
		{ "ENOMEM", -ENOMEM }, { "ENOSPC", -ENOSPC },
		{ "EIO", -EIO },       { "ENOTEMPTY", -ENOTEMPTY },
		{ "ENOSYS", -ENOSYS }, { "EBUSY", -EBUSY },
		{ "EAGAIN", -EAGAIN }, { "E2BIG", -E2BIG },
		{ "EPERM", -EPERM },
		/* Names we have no errno for, and junk: all -EIO. */
		{ "EISDIR", -EIO },    { "EROFS", -EIO },
		{ "EWHATEVER", -EIO }, { "", -EIO },
		{ "ENOENTX", -EIO },
	};
	char buf[16];

	sim_xs_boot(0);
	sim_xs_set("k", "v");
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		sim_xs_faults.error = map[i].name;
		CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), map[i].err);
	}
	sim_xs_faults.error = "ENOENT";
	CHECK_EQ(xs_write(0, "k", "w"), -ENOENT);
	CHECK_STR(sim_xs_get("k"), "v"); /* the failed write did nothing */
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), 1);
	sim_clean();
}

TEST(xs_request_too_long_is_E2BIG)
{
	static char big[XENSTORE_PAYLOAD_MAX + 2];
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	size_t max = XENSTORE_PAYLOAD_MAX - sizeof("v"); /* "v\0" + value */

	sim_xs_boot(0);
	memset(big, 'b', max + 1);
	CHECK_EQ(xs_write(0, "v", big), -E2BIG); /* one byte over */
	CHECK_EQ(sim_xs_stats.requests, 0);     /* nothing was sent */
	CHECK_EQ(sim_xs_stats.kicks, 0);
	big[max] = '\0';
	CHECK_EQ(xs_write(0, "v", big), 0); /* exactly the limit */
	CHECK_EQ(strlen(sim_xs_get("v")), max);
	memset(big, 'p', XENSTORE_PAYLOAD_MAX);
	big[XENSTORE_PAYLOAD_MAX] = '\0'; /* path + NUL: 4097 bytes */
	CHECK_EQ(xs_read(0, big, buf, sizeof(buf)), -E2BIG);
	CHECK_EQ(sim_xs_stats.requests, 1);
	sim_clean();
}

/* ---- watches -------------------------------------------------------- */

TEST(xs_watch_fires_once_up_front)
{
	static struct xs_watch w = { .path = "control/shutdown", .fn = record };

	sim_xs_boot(0);
	fired_reset();
	sim_xs_set("control/shutdown", "");
	CHECK_EQ(xs_watch_add(&w), 0);
	CHECK(strncmp(w.token, "ballast-", 8) == 0);
	CHECK_EQ(fired.n, 0); /* queued, delivered from the idle loop only */
	xenstore_poll_events();
	CHECK_EQ(fired.n, 1);
	CHECK(fired.w[0] == &w);
	CHECK_STR(fired.path[0], "control/shutdown");
	CHECK_STR(fired.value[0], "");
	xenstore_poll_events();
	CHECK_EQ(fired.n, 1);
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

TEST(xs_watch_delivers_writes_and_spurious_events)
{
	static struct xs_watch w = { .path = "control", .fn = record };

	sim_xs_boot(0);
	fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0); /* on a path yet to exist */
	xenstore_poll_events();
	CHECK_EQ(fired.n, 1);
	CHECK_STR(fired.value[0], "<gone>");
	sim_xs_set("control/shutdown", "poweroff"); /* fires our watch */
	xenstore_poll_events();
	CHECK_EQ(fired.n, 2);
	CHECK_STR(fired.path[1], "control/shutdown");
	CHECK_STR(fired.value[1], "poweroff");
	/* The write's own event, then two spurious ones (for the watched
	 * node itself) ahead of its reply: each reaches the callback. */
	sim_xs_faults.spurious = 2;
	CHECK_EQ(xs_write(0, "control/shutdown", "reboot"), 0);
	sim_xs_faults.spurious = 0;
	xenstore_poll_events();
	CHECK_EQ(fired.n, 5);
	for (int i = 2; i < 5; i++) {
		CHECK(fired.w[i] == &w);
		CHECK_STR(fired.path[i], i == 2 ? "control/shutdown" : "control");
		CHECK_STR(fired.value[i], i == 2 ? "reboot" : "");
	}
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

TEST(xs_unwatch_stops_delivery)
{
	static struct xs_watch w = { .path = "data", .fn = record };

	sim_xs_boot(0);
	fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	xenstore_poll_events();
	CHECK_EQ(fired.n, 1);
	CHECK_EQ(xs_watch_remove(&w), 0);
	CHECK_EQ(xs_write(0, "data/x", "1"), 0);
	sim_xs_fire("data/x", w.token); /* late event for the old token */
	xenstore_poll_events();
	CHECK_EQ(fired.n, 1);
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xs_watch_remove(&w), -ENOENT); /* the daemon forgot it too */
	sim_clean();
}

TEST(xs_unsolicited_event_is_ignored)
{
	static struct xs_watch w = { .path = "data", .fn = record };
	char buf[8];

	sim_xs_boot(0);
	fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	sim_xs_fire("/some/where", "not-ours");
	sim_xs_fire("data", w.token);
	xenstore_poll_events();
	CHECK_EQ(fired.n, 2); /* the up-front one and ours, not the stranger */
	CHECK_STR(fired.path[1], "data");
	/* Unsolicited events while a request waits: queued, not a reply. */
	sim_xs_set("data", "d");
	sim_xs_faults.spurious = 3;
	CHECK_EQ(xs_read(0, "data", buf, sizeof(buf)), 1);
	CHECK_STR(buf, "d");
	sim_xs_faults.spurious = 0; /* or each callback's re-read adds 3 */
	xenstore_poll_events();
	CHECK_EQ(fired.n, 6); /* the set fired one too */
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

/* ---- transactions --------------------------------------------------- */

TEST(xs_transaction_commit_and_abort)
{
	char buf[16];
	u32 tx, tx2;

	sim_xs_boot(0);
	sim_xs_set("cfg", "old");
	CHECK_EQ(xs_transaction_start(&tx), 0);
	CHECK(tx != 0);
	CHECK_EQ(xs_write(tx, "cfg", "new"), 0);
	CHECK_STR(sim_xs_get("cfg"), "old"); /* not visible before commit */
	CHECK_EQ(xs_read(tx, "cfg", buf, sizeof(buf)), 3);
	CHECK_STR(buf, "new");
	CHECK_EQ(xs_read(0, "cfg", buf, sizeof(buf)), 3);
	CHECK_STR(buf, "old");
	CHECK_EQ(xs_transaction_end(tx, false), 0);
	CHECK_STR(sim_xs_get("cfg"), "new");

	CHECK_EQ(xs_transaction_start(&tx2), 0);
	CHECK(tx2 != tx);
	CHECK_EQ(xs_write(tx2, "cfg", "discarded"), 0);
	CHECK_EQ(xs_rm(tx2, "cfg"), 0);
	CHECK_EQ(xs_read(tx2, "cfg", buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(xs_transaction_end(tx2, true), 0);
	CHECK_STR(sim_xs_get("cfg"), "new");
	CHECK_EQ(xs_transaction_end(tx2, false), -ENOENT); /* already ended */
	sim_clean();
}

/* What `xs txwrite` does (drivers/xen/cmds.c): retry while EAGAIN. */
static int txwrite(const char *path, const char *value, int *tries)
{
	for (*tries = 1; *tries <= 5; ++*tries) {
		u32 tx;
		int err = xs_transaction_start(&tx);

		if (!err)
			err = xs_write(tx, path, value);
		if (err) {
			xs_transaction_end(tx, true);
			return err;
		}
		err = xs_transaction_end(tx, false);
		if (err != -EAGAIN)
			return err;
	}
	return -EAGAIN;
}

TEST(xs_transaction_eagain_retried)
{
	int tries;

	sim_xs_boot(0);
	sim_xs_faults.eagain = 2;
	CHECK_EQ(txwrite("cfg", "v1", &tries), 0);
	CHECK_EQ(tries, 3);
	CHECK_STR(sim_xs_get("cfg"), "v1");
	sim_xs_faults.eagain = 100;
	CHECK_EQ(txwrite("cfg", "v2", &tries), -EAGAIN);
	CHECK_STR(sim_xs_get("cfg"), "v1"); /* no failed attempt leaked */
	sim_clean();
}

/* ---- the ring under faults ------------------------------------------ */

TEST(xs_stale_reply_skipped)
{
	char buf[16];

	sim_xs_boot(NEAR_WRAP);
	sim_xs_set("k", "real");
	sim_xs_faults.stale = 3; /* two wrong-id replies and an error one */
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), 4);
	CHECK_STR(buf, "real");
	CHECK_EQ(xs_write(0, "k", "again"), 0);
	sim_xs_faults.stale = 0;
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), 5);
	CHECK_STR(buf, "again");
	CHECK_EQ(sim_xs_unread(), 0);
	sim_clean();
}

TEST(xs_oversized_reply_is_EIO)
{
	char buf[32];

	sim_xs_boot(NEAR_END);
	sim_xs_set("k", "v");
	memset(buf, 'Z', sizeof(buf));
	sim_xs_faults.oversize = XENSTORE_PAYLOAD_MAX + 1;
	CHECK_EQ(xs_read(0, "k", buf, 8), -EIO);
	CHECK_EQ(buf[0], 'Z');
	CHECK(strstr(unit_log(), "protocol error"));
	sim_xs_faults.oversize = 0xffffffffu;
	CHECK_EQ(xs_read(0, "k", buf, 8), -EIO);
	/* Only headers were sent: the next request gets a clean stream. */
	CHECK_EQ(xs_read(0, "k", buf, 8), 1);
	CHECK_STR(buf, "v");
	sim_clean();
}

TEST(xs_oversized_event_is_dropped)
{
	static struct xs_watch w = { .path = "k", .fn = record };
	char buf[8];

	sim_xs_boot(0);
	fired_reset();
	sim_xs_set("k", "v");
	CHECK_EQ(xs_watch_add(&w), 0);
	sim_xs_faults.oversize = 100000;
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), -EIO);
	xenstore_poll_events(); /* the up-front event is still delivered */
	CHECK_EQ(fired.n, 1);
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

/* ---- a full ring and a full event queue ----------------------------- */

TEST(xs_event_queue_overflow_drops_oldest)
{
	static struct xs_watch w = { .path = "ev", .fn = record };
	unsigned dropped;
	char path[16];

	sim_xs_boot(NEAR_END);
	fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	xenstore_poll_events();
	CHECK_EQ(fired.n, 1);
	fired_reset();
	dropped = xenstore_events_dropped();
	/* 40 events of about 33 bytes: more than the ring holds, so the daemon
	 * sends the rest as the client makes room. */
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "ev/%02d", i);
		sim_xs_fire(path, w.token);
	}
	CHECK(sim_xs_unread() > XENSTORE_RING_SIZE);
	xenstore_poll_events();
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xenstore_events_dropped() - dropped, 40 - 16);
	CHECK_EQ(fired.n, 16); /* the newest, oldest first */
	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "ev/%02d", 24 + i);
		CHECK_STR(fired.path[i], path);
	}
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

TEST(xs_full_response_ring_before_a_reply)
{
	static struct xs_watch w = { .path = "ev", .fn = record };
	unsigned dropped;
	char buf[16];

	sim_xs_boot(NEAR_WRAP);
	fired_reset();
	sim_xs_set("k", "value");
	CHECK_EQ(xs_watch_add(&w), 0); /* its event stays in the ring */
	dropped = xenstore_events_dropped();
	for (int i = 0; i < 100; i++)
		sim_xs_fire("ev/x", w.token);
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), 5); /* behind 3K of events */
	CHECK_STR(buf, "value");
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xenstore_events_dropped() - dropped, 101 - 16);
	xenstore_poll_events();
	CHECK_EQ(fired.n, 16);
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

/* ---- messages longer than the ring ---------------------------------- */

/* A reply longer than the ring reaches the client only if it kicks the
 * daemon for room while it reads; a missing kick shows up as a stall. */
TEST(xs_reply_longer_than_the_ring)
{
	static char val[4001], buf[4001];

	for (int start = 0; start < 2; start++) {
		sim_xs_boot(start ? NEAR_WRAP : NEAR_END);
		memset(val, 'L', 4000);
		sim_xs_set("big", val);
		CHECK_EQ(xs_read(0, "big", buf, sizeof(buf)), 4000);
		CHECK(memcmp(buf, val, 4001) == 0);
		CHECK_EQ(sim_xs_unread(), 0);
		sim_clean();
	}
}

/* The largest reply there is: a full payload, read back whole. */
TEST(xs_reply_of_payload_max)
{
	static char val[XENSTORE_PAYLOAD_MAX + 1], buf[XENSTORE_PAYLOAD_MAX + 1];

	sim_xs_boot(NEAR_END);
	memset(val, 'M', XENSTORE_PAYLOAD_MAX);
	sim_xs_set("max", val);
	CHECK_EQ(xs_read(0, "max", buf, sizeof(buf)), XENSTORE_PAYLOAD_MAX);
	CHECK(memcmp(buf, val, sizeof(val)) == 0);
	sim_clean();
}

static void chunked_roundtrips(u32 start)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 16, 17, 100, 1000 };
	static char val[1500], buf[1501];

	for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
		sim_xs_boot(start);
		sim_xs_faults.chunk = chunks[c];
		for (size_t len = 0; len < sizeof(val); len += 97 + c) {
			memset(val, 'a' + (int)(len % 26), len);
			val[len] = '\0';
			CHECK_EQ(xs_write(0, "k", val), 0);
			CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), (int)len);
			CHECK(memcmp(buf, val, len + 1) == 0);
		}
		sim_clean();
	}
}

TEST(xs_chunked_replies_across_index_wrap)
{
	chunked_roundtrips(NEAR_WRAP);
}

TEST(xs_chunked_replies_across_ring_end)
{
	chunked_roundtrips(NEAR_END);
}


static u64 rng_state;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13; /* xorshift64: fixed seed, same run */
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state >> 32);
}

static unsigned rnd_events;

static void count_event(struct xs_watch *w, const char *path)
{
	rnd_events++;
}

/* Random faults for one request: slow daemon, stale replies, stray
 * events; most requests get none. */
static void random_faults(void)
{
	static const size_t chunks[] = { 0, 0, 0, 8, 61, 500, 1023 };

	sim_xs_faults.chunk = chunks[rnd() % ARRAY_SIZE(chunks)];
	sim_xs_faults.stale = rnd() % 4 == 0 ? rnd() % 3 : 0;
	sim_xs_faults.spurious = rnd() % 4 == 0 ? rnd() % 3 : 0;
}

/* 5,000 writes and 5,000 reads of values 0..4000 bytes long (bytes 1..255)
 * under random faults, each read compared byte for byte with a model. */
TEST(xs_ring_random_sizes_10000)
{
	static struct xs_watch w = { .path = "r", .fn = count_event };
	static char model[8][4001], val[4001], buf[4002];
	char path[8];

	rng_state = 0x9e3779b97f4a7c15ULL;
	rnd_events = 0;
	memset(model, 0, sizeof(model));
	sim_xs_boot(NEAR_WRAP);
	CHECK_EQ(xs_watch_add(&w), 0);
	for (int i = 0; i < 5000; i++) {
		int k = (int)(rnd() % 8);
		size_t len = rnd() % 4001;

		for (size_t j = 0; j < len; j++)
			val[j] = (char)(1 + rnd() % 255);
		val[len] = '\0';
		snprintf(path, sizeof(path), "r/%d", k);
		random_faults();
		CHECK_EQ(xs_write(0, path, val), 0);
		memcpy(model[k], val, len + 1);

		k = (int)(rnd() % 8);
		snprintf(path, sizeof(path), "r/%d", k);
		random_faults();
		len = strlen(model[k]);
		memset(buf, 'Z', sizeof(buf));
		if (!sim_xs_get(path)) {
			CHECK_EQ(xs_read(0, path, buf, sizeof(buf)), -ENOENT);
			continue;
		}
		CHECK_EQ(xs_read(0, path, buf, sizeof(buf)), (int)len);
		CHECK(memcmp(buf, model[k], len + 1) == 0);
		CHECK_EQ(buf[len + 1], 'Z');
		if (i % 64 == 0)
			xenstore_poll_events();
	}
	memset(&sim_xs_faults, 0, sizeof(sim_xs_faults));
	xenstore_poll_events();
	CHECK(rnd_events > 100);
	CHECK_EQ(sim_xs_stats.requests, 1 + 10000); /* and the watch */
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}

/* No room even for the terminator: refused, and nothing is touched. */
TEST(xs_zero_sized_buffer_is_EINVAL)
{
	char *buf = malloc(1); /* ASan: any access past it is caught */
	size_t len = 99;

	sim_xs_boot(0);
	sim_xs_set("dev/alpha", "1");
	sim_xs_set("dev/beta", "2");
	buf[0] = 'Z';
	CHECK_EQ(xs_directory(0, "dev", buf, 0, &len), -EINVAL);
	CHECK_EQ(xs_read(0, "dev/alpha", buf, 0), -EINVAL);
	CHECK_EQ(buf[0], 'Z');
	CHECK_EQ(len, 99);
	CHECK_EQ(sim_xs_stats.requests, 0);
	free(buf);
	sim_clean();
}

/* Event paths and tokens longer than the client's queue slots: cut to
 * fit (the callback sees a truncated path), never written past. */
TEST(xs_long_event_path_and_token_truncated)
{
	static struct xs_watch w = { .path = "ev", .fn = record };
	static char path[3001];

	sim_xs_boot(NEAR_END);
	fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	xenstore_poll_events();
	fired_reset();
	memset(path, 'p', sizeof(path) - 1);
	memcpy(path, "ev/", 3);
	sim_xs_fire(path, w.token);
	sim_xs_fire("ev/x", "a-token-far-longer-than-any-slot-for-it");
	xenstore_poll_events();
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(fired.n, 1); /* the long token matched no watch */
	CHECK(strncmp(fired.path[0], "ev/ppp", 6) == 0);
	CHECK_EQ(xs_watch_remove(&w), 0);
	sim_clean();
}
