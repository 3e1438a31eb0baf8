/*
 * Where the last target's time went (`balloon`: last split, last host,
 * last own): the backend's host calls by kind, the scrub, and the rest,
 * the guest's own. The sim's clock moves only inside the host calls here,
 * so every nanosecond of the target is the host's and own time is 0.
 */
#include "unit.h"
#include "balloon_test.h"
#include "sim_platform.h"
#include <ballast/mm.h>
#include <ballast/shell.h>
#include <ballast/string.h>

#define MB(n) ((u64)(n) * MiB / PAGE_SIZE)
#define MS 1000000ULL

static struct balloon_backend be;
static struct balloon_host_calls counted[BALLOON_HOST_KINDS];
static const char *const kinds[] = { "give", "take", NULL };

static void host_call(int kind, u64 ns)
{
	counted[kind].calls++;
	counted[kind].ns += ns;
	sim_clock_now += ns;
}

static long populate(const unsigned long *pfns, unsigned long nr, unsigned int order)
{
	host_call(0, 3 * MS);
	return sim_backend.populate(pfns, nr, order);
}

static long decrease(const unsigned long *pfns, unsigned long nr, unsigned int order)
{
	host_call(1, 7 * MS);
	return sim_backend.decrease(pfns, nr, order);
}

static void host_calls(struct balloon_host_calls *c)
{
	memcpy(c, counted, sizeof(counted));
}

static void setup(bool with_kinds)
{
	bt_boot(MB(64));
	memset(counted, 0, sizeof(counted));
	be = sim_backend;
	be.populate = populate;
	be.decrease = decrease;
	if (with_kinds) {
		be.host_kinds = kinds;
		be.host_calls = host_calls;
	}
	bt_use_backend(&be);
}

static void go(u64 target)
{
	CHECK(balloon_set_target(target) >= 0);
	bt_run(NULL);
	bt_check();
}

TEST(balloon_split_host_calls_of_the_last_target)
{
	struct balloon_stats st;
	u64 calls;

	setup(true);
	go(bt_stats().current - MB(64)); /* down: decrease calls only */
	st = bt_stats();
	CHECK(st.last.host[1].calls > 0);
	CHECK_EQ(st.last.host[0].calls, 0);
	CHECK_EQ(st.last.host[1].ns, st.last.host[1].calls * 7 * MS);
	CHECK_EQ(st.last_took_ns, st.last.host[1].ns);
	calls = counted[1].calls;
	go(bt_stats().current + MB(64)); /* up: populate only; the totals go on */
	st = bt_stats();
	CHECK_EQ(st.last.host[1].calls, 0);
	CHECK_EQ(counted[1].calls, calls);
	CHECK_EQ(st.last_took_ns, st.last.host[0].ns);
	CHECK_EQ(st.last.populate_ns, st.last.host[0].ns);
	unit_log_clear();
	CHECK_EQ(shell_run_line("balloon"), 0);
	CHECK(strstr(unit_log(), "last host:   give "));
	CHECK(strstr(unit_log(), " take 0 calls 0.0 ms"));
	CHECK(strstr(unit_log(), "last own:    0.0 ms (0% "));
}

/* Without the backend's kinds, the host's time is populate + decrease. */
TEST(balloon_split_without_host_kinds)
{
	setup(false);
	go(bt_stats().current - MB(32));
	sim_clock_now += 5 * MS; /* not the host's: nothing runs meanwhile */
	go(bt_stats().current + MB(32));
	unit_log_clear();
	CHECK_EQ(shell_run_line("balloon"), 0);
	CHECK(!strstr(unit_log(), "last host:"));
	CHECK(strstr(unit_log(), "last split:  populate "));
	CHECK(strstr(unit_log(), "last own:    0.0 ms (0% "));
	CHECK_EQ(bt_stats().last.decrease_ns, 0);
}
