/*
 * The xenstore client API (drivers/xen/xenstore.c) against the simulated
 * xenstored (sim_xenstore.c): round trips, error mapping, watches and
 * transactions. The ring under faults is in test_xenstore_ring.c.
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
#include <stdlib.h>

/* ---- round trips ---------------------------------------------------- */

TEST(xs_init_reads_domid)
{
	sim_xs_reset(0);
	CHECK_EQ(xs_init(), 0);
	CHECK(xs_ready());
	CHECK_EQ(xen.domid, SIM_XS_DOMID);
	CHECK_EQ(sim_xs_stats.requests, 1);
	CHECK_EQ(sim_xs_stats.last_type, XS_READ);
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
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
	xst_clean();
}

/* ---- watches -------------------------------------------------------- */

TEST(xs_watch_fires_once_up_front)
{
	static struct xs_watch w = { .path = "control/shutdown",
				     .fn = xst_record };

	sim_xs_boot(0);
	xst_fired_reset();
	sim_xs_set("control/shutdown", "");
	CHECK_EQ(xs_watch_add(&w), 0);
	CHECK(strncmp(w.token, "ballast-", 8) == 0);
	CHECK_EQ(xst_fired.n, 0); /* queued, delivered from idle only */
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 1);
	CHECK(xst_fired.w[0] == &w);
	CHECK_STR(xst_fired.path[0], "control/shutdown");
	CHECK_STR(xst_fired.value[0], "");
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 1);
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
}

TEST(xs_watch_delivers_writes_and_spurious_events)
{
	static struct xs_watch w = { .path = "control", .fn = xst_record };

	sim_xs_boot(0);
	xst_fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0); /* on a path yet to exist */
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 1);
	CHECK_STR(xst_fired.value[0], "<gone>");
	sim_xs_set("control/shutdown", "poweroff"); /* fires our watch */
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 2);
	CHECK_STR(xst_fired.path[1], "control/shutdown");
	CHECK_STR(xst_fired.value[1], "poweroff");
	/* The write's own event, then two spurious ones (for the watched
	 * node itself) ahead of its reply: each reaches the callback. */
	sim_xs_faults.spurious = 2;
	CHECK_EQ(xs_write(0, "control/shutdown", "reboot"), 0);
	sim_xs_faults.spurious = 0;
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 5);
	for (int i = 2; i < 5; i++) {
		CHECK(xst_fired.w[i] == &w);
		CHECK_STR(xst_fired.path[i],
			  i == 2 ? "control/shutdown" : "control");
		CHECK_STR(xst_fired.value[i], i == 2 ? "reboot" : "");
	}
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
}

TEST(xs_unwatch_stops_delivery)
{
	static struct xs_watch w = { .path = "data", .fn = xst_record };

	sim_xs_boot(0);
	xst_fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 1);
	CHECK_EQ(xs_watch_remove(&w), 0);
	CHECK_EQ(xs_write(0, "data/x", "1"), 0);
	sim_xs_fire("data/x", w.token); /* late event for the old token */
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 1);
	CHECK_EQ(sim_xs_unread(), 0);
	CHECK_EQ(xs_watch_remove(&w), -ENOENT); /* the daemon forgot it too */
	xst_clean();
}

TEST(xs_unsolicited_event_is_ignored)
{
	static struct xs_watch w = { .path = "data", .fn = xst_record };
	char buf[8];

	sim_xs_boot(0);
	xst_fired_reset();
	CHECK_EQ(xs_watch_add(&w), 0);
	sim_xs_fire("/some/where", "not-ours");
	sim_xs_fire("data", w.token);
	xs_poll_events();
	/* The up-front one and ours, not the stranger. */
	CHECK_EQ(xst_fired.n, 2);
	CHECK_STR(xst_fired.path[1], "data");
	/* Unsolicited events while a request waits: queued, not a reply. */
	sim_xs_set("data", "d");
	sim_xs_faults.spurious = 3;
	CHECK_EQ(xs_read(0, "data", buf, sizeof(buf)), 1);
	CHECK_STR(buf, "d");
	sim_xs_faults.spurious = 0; /* or each callback's re-read adds 3 */
	xs_poll_events();
	CHECK_EQ(xst_fired.n, 6); /* the set fired one too */
	CHECK_EQ(xs_watch_remove(&w), 0);
	xst_clean();
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
	xst_clean();
}

/* What `xs txwrite` does (drivers/xen/cmd_xen.c): retry while EAGAIN. */
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
	xst_clean();
}
