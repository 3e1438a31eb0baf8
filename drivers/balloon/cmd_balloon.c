/*
 * The `balloon` shell command: what the balloon holds and why, and a target
 * from the shell. Bad input is refused here with one clear line; the core
 * itself only clamps.
 */
#include <ballast/balloon.h>
#include <ballast/errno.h>
#include <ballast/parse.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>
#include <ballast/timer.h>

static unsigned long long kib(u64 pages)
{
	return (unsigned long long)pages * (PAGE_SIZE / KiB);
}

static void show_target(const struct balloon_stats *st)
{
	if (!st->target_set) {
		printk("target:      none yet\n");
		return;
	}
	printk("target:      %llu KiB", kib(st->target));
	if (st->clamp != BALLOON_CLAMP_NONE)
		printk(" (asked %llu KiB: %s)", kib(st->requested),
		       balloon_clamp_name(st->clamp));
	printk("\n");
}

/* When the next batch is due: a balloon not run for a second past it is
 * stuck, and this line says so instead of leaving it to be guessed. */
static void show_next_run(const struct balloon_stats *st)
{
	u64 now = clock_ns(), at = st->next_run_ns;

	if (!at)
		printk("next batch:  none wanted\n");
	else if (at >= now)
		printk("next batch:  in %llu ms\n",
		       (unsigned long long)((at - now) / 1000000));
	else
		printk("next batch:  due %llu ms ago%s\n",
		       (unsigned long long)((now - at) / 1000000),
		       now - at > NSEC_PER_SEC ? " (overdue: the balloon is not being run)" : "");
	printk("runs:        %llu batches, %llu targets since boot",
	       (unsigned long long)st->runs, (unsigned long long)st->targets);
	if (st->last_run_ns && st->last_run_ns <= now)
		printk(", last batch %llu ms ago",
		       (unsigned long long)((now - st->last_run_ns) / 1000000));
	printk("\n");
	if (st->rearmed)
		printk("rearmed:     %llu times the balloon's call was found missing\n",
		       (unsigned long long)st->rearmed);
}

/* Whether pages are zeroed before they go, and how fast that ran. */
static void show_scrub(const struct balloon_backend *be,
		       const struct balloon_stats *st)
{
	u64 mib = st->scrub_pages * PAGE_SIZE / MiB;

	printk("scrub:       %s; %llu MiB zeroed since boot", st->scrub ? "on" :
	       be->scrub ? "off (`balloon scrub off`: the host scrubs)" :
			   "none (the backend needs none)",
	       (unsigned long long)mib);
	/* KiB * 10^6 / us: no 128-bit division in the kernel */
	if (st->total.scrub_ns >= 1000)
		printk(", %llu MiB/s",
		       (unsigned long long)(st->scrub_pages * (PAGE_SIZE / 1024) *
					    1000000 / (st->total.scrub_ns / 1000) / 1024));
	printk("\n");
}

/* ns as "MS.D ms" */
static void print_ms(u64 ns)
{
	printk("%llu.%llu ms", (unsigned long long)(ns / 1000000),
	       (unsigned long long)(ns / 100000 % 10));
}

/*
 * Where the last target's time went: the host's calls (the backend's
 * kinds; without them, the populate/decrease calls), the scrub, and the
 * rest, the guest's own work (lists, allocator, adding blocks, mapping).
 */
static void show_last(const struct balloon_backend *be,
		      const struct balloon_stats *st)
{
	const struct balloon_times *t = &st->last;
	u64 host = 0, own;

	printk("last target: reached in %llu ms\n",
	       (unsigned long long)(st->last_took_ns / 1000000));
	printk("last split:  populate ");
	print_ms(t->populate_ns);
	printk(", decrease ");
	print_ms(t->decrease_ns);
	printk(", scrub ");
	print_ms(t->scrub_ns);
	printk(", add ");
	print_ms(t->add_ns);
	printk("; %llu batches ran ", (unsigned long long)t->batches);
	print_ms(t->work_ns);
	printk("\n");
	if (be->host_kinds) {
		printk("last host:  ");
		for (int i = 0; i < BALLOON_HOST_KINDS && be->host_kinds[i]; i++) {
			printk(" %s %llu calls ", be->host_kinds[i],
			       (unsigned long long)t->host[i].calls);
			print_ms(t->host[i].ns);
			host += t->host[i].ns;
		}
		printk("\n");
	} else {
		host = t->populate_ns + t->decrease_ns;
	}
	own = host + t->scrub_ns < st->last_took_ns ?
		      st->last_took_ns - host - t->scrub_ns : 0;
	printk("last own:    ");
	print_ms(own);
	printk(" (%llu%% of the time: not in the host's calls, not scrubbing)\n",
	       (unsigned long long)(st->last_took_ns ? own * 100 / st->last_took_ns : 0));
}

static void show(void)
{
	const struct balloon_backend *be = balloon_get_backend();
	struct balloon_stats st;

	balloon_get_stats(&st);
	printk("backend:     %s\n", be->name ? be->name : "?");
	printk("state:       %s\n", balloon_state_name(st.state));
	show_target(&st);
	if (st.host_limit)
		printk("current:     %llu KiB (host: %llu KiB of at most %llu KiB)\n",
		       kib(st.current), kib(st.host_current), kib(st.host_max));
	else
		printk("current:     %llu KiB (the host sets no limit)\n",
		       kib(st.current));
	printk("ballooned:   %llu KiB (%llu KiB in 2 MiB runs, %llu KiB to give back)\n",
	       kib(st.ballooned), kib(st.ballooned_huge), kib(st.pending));
	printk("retries:     %u\n", st.retries);
	if (st.reason != BALLOON_OK)
		printk("last short:  %llu KiB: %s\n", kib(st.shortfall),
		       balloon_reason_name(st.reason));
	printk("since boot:  up %llu KiB, down %llu KiB, %llu calls, "
	       "2 MiB extents up %llu down %llu\n",
	       kib(st.pages_up), kib(st.pages_down),
	       (unsigned long long)st.calls, (unsigned long long)st.huge_up,
	       (unsigned long long)st.huge_down);
	printk("blocks:      %llu added, %llu removed since boot, %llu added now;"
	       " %llu KiB ballooned inside online blocks\n",
	       (unsigned long long)st.blocks_added,
	       (unsigned long long)st.blocks_removed,
	       (unsigned long long)st.blocks_now, kib(st.ballooned_online));
	if (st.stray)
		printk("stray:       %llu KiB of removed blocks' memmap not given back yet\n",
		       kib(st.stray));
	printk("time:        add %llu ms, populate %llu ms, remove %llu ms (since boot)\n",
	       (unsigned long long)(st.total.add_ns / 1000000),
	       (unsigned long long)(st.total.populate_ns / 1000000),
	       (unsigned long long)(st.total.remove_ns / 1000000));
	printk("time down:   decrease %llu ms, scrub %llu ms (since boot)\n",
	       (unsigned long long)(st.total.decrease_ns / 1000000),
	       (unsigned long long)(st.total.scrub_ns / 1000000));
	show_scrub(be, &st);
	if (st.untold)
		printk("untold:      %llu KiB taken back before the host answered\n",
		       kib(st.untold));
	show_last(be, &st);
	show_next_run(&st);
	if (be->show)
		be->show();
}

/* `balloon scrub on|off`: zero pages before they go (when the backend asks). */
static int set_scrub(const struct balloon_backend *be, const char *arg)
{
	bool on = strcmp(arg, "on") == 0;

	if (!on && strcmp(arg, "off") != 0) {
		printk("balloon: scrub '%s': want on or off\n", arg);
		return -EINVAL;
	}
	balloon_set_scrub(on);
	printk("balloon: scrub %s%s\n", arg,
	       be->scrub ? "" : " (the backend needs none: pages are not zeroed either way)");
	return 0;
}

/* One line and -EINVAL for a size the target cannot be; 0 and *pages else. */
static int check_size(const char *arg, u64 *pages)
{
	u64 size, max = balloon_max_target();
	int err = parse_size(arg, &size);

	if (err) {
		printk("balloon: bad size '%s': %s\n", arg, parse_error(err));
		return -EINVAL;
	}
	if (size == 0 || size % PAGE_SIZE) {
		printk("balloon: bad size '%s': want a non-zero multiple of 4K\n", arg);
		return -EINVAL;
	}
	*pages = size / PAGE_SIZE;
	if (*pages > max) {
		printk("balloon: %s is above the maximum, %llu KiB\n", arg, kib(max));
		return -EINVAL;
	}
	if (*pages < BALLOON_MIN_TARGET) {
		printk("balloon: %s is below the minimum, %llu KiB\n", arg,
		       kib(BALLOON_MIN_TARGET));
		return -EINVAL;
	}
	return 0;
}

/* `balloon report on|off`: the backend's free page reporting. */
static int set_reporting(const struct balloon_backend *be, const char *arg)
{
	bool on = strcmp(arg, "on") == 0;
	int err;

	if (!on && strcmp(arg, "off") != 0) {
		printk("balloon: report '%s': want on or off\n", arg);
		return -EINVAL;
	}
	if (!be->reporting) {
		printk("balloon: the %s backend has no free page reporting to switch\n",
		       be->name ? be->name : "?");
		return -ENOSYS;
	}
	err = be->reporting(on);
	if (err) {
		printk("balloon: free page reporting not switched %s: %s\n",
		       arg, errno_name(err));
		return err;
	}
	printk("balloon: free page reporting %s\n", arg);
	return 0;
}

static int cmd_balloon(int argc, char **argv)
{
	const struct balloon_backend *be = balloon_get_backend();
	u64 pages;
	int err;

	if (!balloon_has_backend()) {
		printk("balloon: no backend (not running under a hypervisor that balloons)\n");
		return argc == 1 ? 0 : -ENODEV;
	}
	if (argc == 1) {
		show();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "check") == 0) {
		err = balloon_check_consistency();
		printk("balloon check: %s\n", err ? "FAILED" : "ok");
		return err;
	}
	if (argc == 3 && strcmp(argv[1], "report") == 0)
		return set_reporting(be, argv[2]);
	if (argc == 3 && strcmp(argv[1], "scrub") == 0)
		return set_scrub(be, argv[2]);
	if (argc != 3 || strcmp(argv[1], "target") != 0)
		return -EINVAL;
	err = check_size(argv[2], &pages);
	if (err)
		return err;
	err = balloon_set_target(pages);
	if (err < 0)
		return err;
	printk("balloon: target %llu KiB\n", kib(pages));
	return 0;
}
SHELL_COMMAND(balloon, "[target SIZE | check | report on|off | scrub on|off]",
	      "balloon state, set its target (memory the guest keeps), free page reporting, zeroing",
	      cmd_balloon);
