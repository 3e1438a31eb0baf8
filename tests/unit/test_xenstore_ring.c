/*
 * drivers/xen/xenstore.c's ring handling against the simulated xenstored
 * (sim_xenstore.c) under faults: chunked, stale and oversized replies, stray
 * events, a full ring and a full event queue, messages longer than the
 * ring, index wrap-around, and random sizes under random faults.
 *
 * Each struct xs_watch is static and used by one test only (see
 * xenstore_fixture.h).
 */
#include "unit.h"
#include "sim_xenstore.h"
#include "xenstore_fixture.h"
#include <ballast/xen/events.h>
#include <ballast/xen/guest.h>
#include <ballast/xen/xenstore.h>
#include <xen/io/xs_wire.h> /* before errno.h, as in xenstore.c */
#include <ballast/errno.h>

/* Ring indexes that wrap 2^32 (and so the ring's end) within 64 bytes,
 * and ones that reach the ring's end only. */
#define NEAR_WRAP (0xffffffffu - 40)
#define NEAR_END (0x12345400u - 30)

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
	xst_clean();
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
	xst_clean();
}

TEST(xs_oversized_event_is_dropped)
{
	static struct xs_watch w = { .path = "k", .fn = xst_record };
	char buf[8];

	sim_xs_boot(0);
	xst_fired_reset();
	sim_xs_set("k", "v");
	CHECK_EQ(xs_watch_add(&w), 0);
	sim_xs_faults.oversize = 100000;
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), -EIO);
	xs_poll_events(); /* the up-front event is still delivered */
	CHECK_EQ(xst_fired.n, 1);
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
}

/* ---- a full ring and a full event queue ----------------------------- */

TEST(xs_event_queue_overflow_drops_oldest)
{
	static struct xs_watch w = { .path = "ev", .fn = xst_record };
	unsigned dropped;
	char path[16];

	sim_xs_boot(NEAR_END);
	xst_fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 1);
	xst_fired_reset();
	dropped = xs_events_dropped();
	/* 40 events of about 33 bytes: more than the ring holds, so the daemon
	 * sends the rest as the client makes room. */
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "ev/%02d", i);
		sim_xs_fire(path, w.token);
	}
	CHECK(sim_xs_unread() > XENSTORE_RING_SIZE);
	xs_poll_events();
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xs_events_dropped() - dropped, 40 - 16);
	CHECK_EQ(xst_fired.n, 16); /* the newest, oldest first */
	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "ev/%02d", 24 + i);
		CHECK_STR(xst_fired.path[i], path);
	}
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
}

TEST(xs_full_response_ring_before_a_reply)
{
	static struct xs_watch w = { .path = "ev", .fn = xst_record };
	unsigned dropped;
	char buf[16];

	sim_xs_boot(NEAR_WRAP);
	xst_fired_reset();
	sim_xs_set("k", "value");
	CHECK_EQ(xs_watch_add(&w), 0); /* its event stays in the ring */
	dropped = xs_events_dropped();
	for (int i = 0; i < 100; i++)
		sim_xs_fire("ev/x", w.token);
	CHECK_EQ(xs_read(0, "k", buf, sizeof(buf)), 5); /* behind 3K of events */
	CHECK_STR(buf, "value");
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xs_events_dropped() - dropped, 101 - 16);
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 16);
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
}

/* Event paths and tokens longer than the client's queue slots: cut to
 * fit (the callback sees a truncated path), never written past. */
TEST(xs_long_event_path_and_token_truncated)
{
	static struct xs_watch w = { .path = "ev", .fn = xst_record };
	static char path[3001];

	sim_xs_boot(NEAR_END);
	xst_fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	xs_poll_events();
	xst_fired_reset();
	memset(path, 'p', sizeof(path) - 1);
	memcpy(path, "ev/", 3);
	sim_xs_fire(path, w.token);
	sim_xs_fire("ev/x", "a-token-far-longer-than-any-slot-for-it");
	xs_poll_events();
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xst_fired.n, 1); /* the long token matched no watch */
	CHECK(strncmp(xst_fired.path[0], "ev/ppp", 6) == 0);
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
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
		xst_clean();
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
	xst_clean();
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
		xst_clean();
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

/* ---- random sizes under random faults -------------------------------- */

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
			xs_poll_events();
	}
	memset(&sim_xs_faults, 0, sizeof(sim_xs_faults));
	xs_poll_events();
	CHECK(rnd_events > 100);
	CHECK_EQ(sim_xs_stats.requests, 1 + 10000); /* and the watch */
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
}
