/* Adopted pages, the sim's own checks, and the balloon shell command. */
#include "unit.h"
#include "balloon_test.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/shell.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB(n) ((u64)(n) * MiB / PAGE_SIZE)

TEST(balloon_adopt_unbacked_then_up)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;
	unsigned long pfn = bt_offline_run(700, false);

	CHECK_EQ(balloon_adopt(pfn, 700, BALLOON_ADOPT_UNBACKED), 0);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.ballooned, 700);
	CHECK_EQ(st.ballooned_huge, 512); /* pfn is 4 MiB aligned */
	CHECK_EQ(st.current, start - 700);
	CHECK_EQ(st.pages_down, 0);
	bt_check();
	CHECK_EQ(bt_run(NULL), 0); /* no target yet: nothing moves */
	balloon_set_target(start);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start);
	CHECK_EQ(bt_stats().huge_up, 1);
	CHECK_EQ(sim.populated, 700);
	bt_check();
}

TEST(balloon_adopt_pod_releases_without_scrub)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;
	unsigned long pfn = bt_offline_run(1024, true);

	/* PoD frames are PROT_NONE in the sim: a scrub would kill the test. */
	CHECK_EQ(balloon_adopt(pfn, 1024, BALLOON_ADOPT_POD), 0);
	CHECK_EQ(bt_stats().pending, 1024);
	bt_check();
	CHECK_EQ(bt_run(NULL), 0);
	struct balloon_stats st = bt_stats();

	CHECK_EQ(st.pending, 0);
	CHECK_EQ(st.ballooned_huge, 1024);
	CHECK_EQ(st.huge_down, 2);
	CHECK_EQ(st.current, start - 1024);
	CHECK_EQ(sim.pod, 0);
	bt_check();
	balloon_set_target(start - 1000);
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().current, start - 1000);
	bt_check();
}

TEST(balloon_adopt_pod_short_count_retries)
{
	bt_boot(MB(64));
	unsigned long pfn = bt_offline_run(600, true);

	CHECK_EQ(balloon_adopt(pfn, 600, BALLOON_ADOPT_POD), 0);
	sim.stop_after = 0; /* the 2 MiB run */
	CHECK_EQ(balloon_work(bt_now), BALLOON_AGAIN);
	CHECK_EQ(bt_stats().pending, 600);
	bt_check();
	sim.stop_after = 10;
	CHECK_EQ(balloon_work(bt_now), SEC);
	CHECK_EQ(bt_stats().reason, BALLOON_HOST_REFUSED);
	CHECK_EQ(bt_stats().pending, 590);
	CHECK_EQ(bt_stats().shortfall, 590);
	bt_check();
	bt_now += SEC;
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(bt_stats().pending, 0);
	bt_check();
}

TEST(balloon_adopt_refuses_bad_pages)
{
	bt_boot(MB(64));
	struct page *p = alloc_page();
	unsigned long pfn = bt_offline_run(10, false);

	CHECK_EQ(balloon_adopt(page_to_pfn(p), 1, BALLOON_ADOPT_UNBACKED), -EINVAL);
	CHECK_EQ(balloon_adopt(pfn, 0, BALLOON_ADOPT_UNBACKED), -EINVAL);
	CHECK_EQ(balloon_adopt(pfn, 10, 7), -EINVAL);
	CHECK_EQ(balloon_adopt(pfn, 11, BALLOON_ADOPT_UNBACKED), -EINVAL);
	CHECK_EQ(bt_stats().ballooned, 0);
	CHECK_EQ(balloon_adopt(pfn, 10, BALLOON_ADOPT_UNBACKED), 0);
	CHECK_EQ(balloon_adopt(pfn + 5, 1, BALLOON_ADOPT_UNBACKED), -EBUSY);
	CHECK_EQ(bt_stats().ballooned, 10);
	CHECK_EQ(balloon_adopt(SIM_NPFN - 1, 1, BALLOON_ADOPT_UNBACKED), -EINVAL);
	free_page(p);
	bt_check();
}

/* ---- the sim catches a guest that breaks the rules -------------------- */

TEST(sim_flags_unscrubbed_release)
{
	bt_boot(0);
	struct page *p = alloc_page();
	unsigned long pfn = page_to_pfn(p);

	sim.soft = true;
	memset(page_address(p), 0, PAGE_SIZE);
	((char *)page_address(p))[100] = 1;
	CHECK_EQ(sim_backend.decrease(&pfn, 1, 0), 0);
	CHECK_EQ(sim.violations, 1);
	CHECK(strstr(sim.what, "not scrubbed"));
	memset(page_address(p), 0, PAGE_SIZE);
	CHECK_EQ(sim_backend.decrease(&pfn, 1, 0), 1);
	CHECK_EQ(sim_backend.decrease(&pfn, 1, 0), 0);
	CHECK(strstr(sim.what, "not backed"));
	CHECK_EQ(sim_backend.populate(&pfn, 1, 0), 1);
	CHECK_EQ(sim_backend.populate(&pfn, 1, 0), 0);
	CHECK(strstr(sim.what, "already backed"));
	CHECK_EQ(sim.violations, 3);
	free_page(p);
}

TEST(sim_touching_a_released_frame_kills_the_guest)
{
	bt_boot(0);
	struct page *p = alloc_page();
	unsigned long pfn = page_to_pfn(p);
	int status;

	memset(page_address(p), 0, PAGE_SIZE);
	CHECK_EQ(sim_backend.decrease(&pfn, 1, 0), 1);
	pid_t child = fork();

	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2); /* the sim's message is expected */
		((volatile char *)page_address(p))[8] = 1;
		_exit(0);
	}
	CHECK(child > 0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_EQ(sim_backend.populate(&pfn, 1, 0), 1);
	free_page(p);
}

/* ---- the balloon command ---------------------------------------------- */

static int run(const char *line)
{
	unit_log_clear();
	return shell_run_line(line);
}

TEST(balloon_cmd_shows_and_sets_target)
{
	bt_boot(MB(64));
	u64 start = bt_stats().current;

	CHECK_EQ(run("balloon"), 0);
	CHECK(strstr(unit_log(), "state:       done"));
	CHECK(strstr(unit_log(), "target:      none yet"));
	CHECK_EQ(run("balloon target 200M"), 0);
	CHECK(strstr(unit_log(), "balloon: target 204800 KiB"));
	CHECK_EQ(bt_stats().target, MB(200));
	CHECK_EQ(bt_run(NULL), 0);
	CHECK_EQ(run("balloon"), 0);
	CHECK(strstr(unit_log(), "target:      204800 KiB"));
	CHECK(strstr(unit_log(), "2 MiB extents up 0 down "));
	CHECK_EQ(run("balloon check"), 0);
	CHECK(strstr(unit_log(), "balloon check: ok"));
	(void)start;
}

TEST(balloon_cmd_refuses_bad_targets)
{
	bt_boot(MB(8));
	CHECK_EQ(run("balloon target 200M"), 0);
	CHECK_EQ(run("balloon target 12Q"), -EINVAL);
	CHECK(strstr(unit_log(), "balloon: bad size '12Q'"));
	CHECK_EQ(run("balloon target 0"), -EINVAL);
	CHECK(strstr(unit_log(), "non-zero multiple of 4K"));
	CHECK_EQ(run("balloon target 4097"), -EINVAL);
	CHECK_EQ(run("balloon target 4G"), -EINVAL);
	CHECK(strstr(unit_log(), "above the maximum"));
	CHECK_EQ(run("balloon target 1M"), -EINVAL);
	CHECK(strstr(unit_log(), "below the minimum"));
	CHECK_EQ(run("balloon target"), -EINVAL);
	CHECK_EQ(run("balloon frob 1M"), -EINVAL);
	CHECK_EQ(bt_stats().target, MB(200)); /* nothing changed */
	CHECK_EQ(bt_stats().requested, MB(200));
}

TEST(balloon_cmd_without_backend)
{
	mmt_boot();
	balloon_reset_for_test();
	CHECK_EQ(run("balloon"), 0);
	CHECK(strstr(unit_log(), "no backend"));
	CHECK_EQ(run("balloon target 64M"), -ENODEV);
}
