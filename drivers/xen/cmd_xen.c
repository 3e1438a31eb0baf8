/* Shell commands for Xen guests: `xs` (xenstore) and `xen` (summary). */
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/parse.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/xen/events.h>
#include <ballast/xen/timer.h>
#include <ballast/xen/xenstore.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/p2m.h>
#include <asm/xen/setup.h>

static char xsbuf[4096 + 1]; /* XENSTORE_PAYLOAD_MAX + NUL */

static int xs_fail(const char *op, const char *path, int err)
{
	printk("xs %s %s: error %s\n", op, path, errno_name(err));
	return err == -EINVAL ? -EIO : err; /* -EINVAL would print usage */
}

static int xs_cmd_read(const char *path)
{
	int n = xs_read(0, path, xsbuf, sizeof(xsbuf));

	if (n < 0)
		return xs_fail("read", path, n);
	printk("%s\n", xsbuf);
	return 0;
}

static int xs_cmd_ls(const char *path)
{
	size_t len;
	int n = xs_directory(0, path, xsbuf, sizeof(xsbuf), &len);

	if (n < 0)
		return xs_fail("ls", path, n);
	for (size_t i = 0; i < len; i += strlen(xsbuf + i) + 1)
		printk("%s\n", xsbuf + i);
	return 0;
}

/* Watches made from the shell print every event they get. */
#define SHELL_WATCHES 8
static struct xs_watch shell_watches[SHELL_WATCHES];
static char shell_watch_paths[SHELL_WATCHES][128];

static void shell_watch_fired(struct xs_watch *w, const char *path)
{
	printk("xs watch %s: event %s\n", w->path, path);
}

static struct xs_watch *shell_watch_find(const char *path)
{
	for (int i = 0; i < SHELL_WATCHES; i++)
		if (shell_watches[i].path &&
		    strcmp(shell_watches[i].path, path) == 0)
			return &shell_watches[i];
	return NULL;
}

static int xs_cmd_watch(const char *path)
{
	struct xs_watch *w = NULL;
	int err;

	if (strlen(path) >= sizeof(shell_watch_paths[0])) {
		printk("xs watch: error E2BIG (path longer than %zu characters)\n",
		       sizeof(shell_watch_paths[0]) - 1);
		return -E2BIG;
	}
	if (shell_watch_find(path)) {
		printk("xs watch %s: error EEXIST (already watched)\n", path);
		return -EEXIST;
	}
	for (int i = 0; i < SHELL_WATCHES && !w; i++) {
		if (!shell_watches[i].path) {
			w = &shell_watches[i];
			strlcpy(shell_watch_paths[i], path, sizeof(shell_watch_paths[i]));
			w->path = shell_watch_paths[i];
		}
	}
	if (!w) {
		printk("xs watch %s: error ENOSPC (%d watches)\n", path,
		       SHELL_WATCHES);
		return -ENOSPC;
	}
	w->fn = shell_watch_fired;
	err = xs_watch_add(w);
	if (err) {
		w->path = NULL;
		return xs_fail("watch", path, err);
	}
	printk("xs watch %s: token %s\n", path, w->token);
	return 0;
}

static int xs_cmd_unwatch(const char *path)
{
	struct xs_watch *w = shell_watch_find(path);
	int err;

	if (!w) {
		printk("xs unwatch %s: error ENOENT (not watched)\n", path);
		return -ENOENT;
	}
	err = xs_watch_remove(w);
	w->path = NULL;
	return err ? xs_fail("unwatch", path, err) : 0;
}

/* Write inside a transaction, retried while xenstored answers EAGAIN. */
static int xs_cmd_txwrite(const char *path, const char *value)
{
	for (int tries = 0; tries < 5; tries++) {
		u32 tx = 0;
		int err = xs_transaction_start(&tx);

		if (!err)
			err = xs_write(tx, path, value);
		if (err) {
			if (tx)
				xs_transaction_end(tx, true);
			return xs_fail("txwrite", path, err);
		}
		err = xs_transaction_end(tx, false);
		if (err != -EAGAIN)
			return err ? xs_fail("txwrite", path, err) : 0;
	}
	return xs_fail("txwrite", path, -EAGAIN);
}

static int cmd_xs(int argc, char **argv)
{
	int err;

	if (argc < 3)
		goto usage;
	if (!xs_ready()) {
		printk("xs: error: no xenstore (not a Xen guest?)\n");
		return -ENODEV;
	}
	if (strcmp(argv[1], "read") == 0 && argc == 3)
		return xs_cmd_read(argv[2]);
	if (strcmp(argv[1], "ls") == 0 && argc == 3)
		return xs_cmd_ls(argv[2]);
	if (strcmp(argv[1], "watch") == 0 && argc == 3)
		return xs_cmd_watch(argv[2]);
	if (strcmp(argv[1], "unwatch") == 0 && argc == 3)
		return xs_cmd_unwatch(argv[2]);
	if (strcmp(argv[1], "rm") == 0 && argc == 3) {
		err = xs_rm(0, argv[2]);
		return err ? xs_fail("rm", argv[2], err) : 0;
	}
	if (strcmp(argv[1], "txwrite") == 0 && argc == 4)
		return xs_cmd_txwrite(argv[2], argv[3]);
	if (strcmp(argv[1], "write") == 0 && argc == 4) {
		err = xs_write(0, argv[2], argv[3]);
		return err ? xs_fail("write", argv[2], err) : 0;
	}
usage:
	printk("xs: error: bad subcommand or arguments\n");
	return -EINVAL;
}
SHELL_COMMAND(xs, "read|ls|rm|watch|unwatch PATH | write|txwrite PATH VALUE",
	      "xenstore access (relative paths are under our domain)", cmd_xs);

/* ---- xen ------------------------------------------------------------ */


static void show_version(void)
{
	xen_extraversion_t extra = { 0 };
	xen_feature_info_t fi = { .submap_idx = 0 };

	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	printk("xen version: %u.%u%s\n", xen.version >> 16,
	       xen.version & 0xffff, extra);
	if (HYPERVISOR_xen_version(XENVER_get_features, &fi) == 0)
		printk("xen features: %#x\n", fi.submap);
}

static void show_reservation(void)
{
	domid_t self = DOMID_SELF;
	long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);

	printk("current reservation: %ld pages (%ld KiB)\n", cur,
	       cur > 0 ? cur * 4 : cur);
	printk("maximum reservation: %ld pages (%ld KiB)\n", max,
	       max > 0 ? max * 4 : max);
}

static void show_start_info(void)
{
	const start_info_t *si = xen.start_info;
	const struct hvm_start_info *hi = xen.hvm_start_info;

	if (si)
		printk("start_info: %s nr_pages %lu shared_info %#lx "
		       "pt_base %#lx nr_pt_frames %lu mfn_list %#lx flags %#x\n",
		       si->magic, si->nr_pages, si->shared_info, si->pt_base,
		       si->nr_pt_frames, si->mfn_list, si->flags);
	if (hi)
		printk("hvm_start_info: version %u flags %#x modules %u "
		       "memmap entries %u\n", hi->version, hi->flags,
		       hi->nr_modules, hi->version >= 1 ? hi->memmap_entries : 0);
}

/* `xen sleep MS`: exercises the one-shot timer and the deferred calls. */
static struct deferred_call sleep_note;

static void sleep_noted(void *arg)
{
	printk("xen sleep: deferred call ran at %llu ms\n",
	       (unsigned long long)(clock_ns() / 1000000));
}

static int xen_cmd_sleep(const char *arg)
{
	u64 ms, t0 = clock_ns();

	if (parse_u64(arg, &ms) || ms > 60000) {
		printk("xen sleep: error: want 0-60000 ms, not '%s'\n", arg);
		return -EIO;
	}
	defer_call(&sleep_note, ms * 500000ULL, sleep_noted, NULL);
	sleep_ms(ms);
	printk("xen sleep: slept %llu ms\n",
	       (unsigned long long)((clock_ns() - t0) / 1000000));
	return 0;
}

/* xen p2m [PFN]: one pfn's machine frame, or check the whole P2M/M2P. */
static int xen_cmd_p2m(int argc, char **argv)
{
	unsigned long backed, bad = 0;
	u64 pfn;

	if (xen.mode != XEN_PV) {
		printk("xen p2m: error: only a PV guest keeps a P2M (Xen translates for %s)\n",
		       xen.mode == XEN_PVH ? "pvh" : "hvm");
		return -ENODEV;
	}
	if (argc == 2) {
		if (xen_p2m_check(&backed, &bad)) {
			printk("xen p2m: error: pfn %#lx -> mfn %#llx, but the M2P says pfn %#lx\n",
			       bad, (unsigned long long)xen_pfn_to_mfn(bad),
			       xen_mfn_to_pfn(xen_pfn_to_mfn(bad)));
			return -EFAULT;
		}
		printk("xen p2m: %lu pfns, %lu with a machine frame; the M2P agrees on every one\n",
		       xen_p2m_size(), backed);
		return 0;
	}
	if (parse_u64(argv[2], &pfn) || pfn >= xen_p2m_size()) {
		printk("xen p2m: error: '%s' is not a pfn below %#lx\n", argv[2],
		       xen_p2m_size());
		return -ERANGE;
	}
	u64 mfn = xen_pfn_to_mfn(pfn);
	if (mfn == INVALID_P2M_ENTRY)
		printk("pfn %#llx: no machine frame\n", (unsigned long long)pfn);
	else
		printk("pfn %#llx -> mfn %#llx (M2P: pfn %#lx)\n",
		       (unsigned long long)pfn, (unsigned long long)mfn,
		       xen_mfn_to_pfn(mfn));
	return 0;
}

/* The one-shot timer: a deadline long past with nothing fired is a lost
 * wakeup, and this line shows it. */
static void show_timer(void)
{
	u64 at = xen_timer_deadline(), now = clock_ns();

	printk("timer: armed %llu times, fired %llu; ",
	       (unsigned long long)xen_timer_armed,
	       (unsigned long long)xen_timer_fired);
	if (!at)
		printk("not armed\n");
	else if (at >= now)
		printk("due in %llu ms\n", (unsigned long long)((at - now) / 1000000));
	else
		printk("due %llu ms ago\n", (unsigned long long)((now - at) / 1000000));
	printk("idle: %llu sleeps, %llu woke %llu ms or more past their deadline (latest %llu ms); "
	       "%llu upcalls taken at the idle hlt (%s); safety nets %s\n",
	       (unsigned long long)idle_stats.sleeps,
	       (unsigned long long)idle_stats.late,
	       (unsigned long long)(IDLE_LATE_NS / NSEC_PER_MSEC),
	       (unsigned long long)(idle_stats.late_max_ns / NSEC_PER_MSEC),
	       (unsigned long long)xen_idle_hlt_upcalls,
	       xen_idle_fix ? "stepped over" : "left there: xen_idle=plain",
	       safety_nets ? "on" : "off");
}

/* Save/restore/migrate: how many suspends, the last one's times (our
 * clock, which goes on across them) and how far Xen's time moved. */
static void show_suspend(void)
{
	const struct suspend_stats *st = &suspend_stats;

	printk("suspend: %lu times, %lu cancelled, %lu refused",
	       st->count, st->cancelled, st->refused);
	if (st->count)
		printk("; last at %llu ms, resumed at %llu ms, %s, Xen time moved %lld ms",
		       (unsigned long long)(st->last_suspend_ns / 1000000),
		       (unsigned long long)(st->last_resume_ns / 1000000),
		       st->last_result == 0 ? "new domain" :
		       st->last_result == 1 ? "cancelled" : "failed",
		       (long long)(xen_clock_last_jump / 1000000));
	if (st->refused_by)
		printk("; last refused by %s", st->refused_by);
	printk("\n");
}

/* What one TSC read costs here: a few dozen cycles natively, thousands
 * when Xen traps rdtsc (TSC emulation), and every clock_ns() reads it. */
static u64 rdtsc_cycles(void)
{
	u64 t0 = rdtsc(), t1;

	for (int i = 0; i < 255; i++)
		(void)rdtsc();
	t1 = rdtsc();
	return (t1 - t0) / 256;
}

/* Every hypercall made since boot, by number: how many, time inside. */
static void show_hcalls(void)
{
	for (unsigned nr = 0; nr < XEN_HCALL_NR; nr++) {
		u64 us = xen_hcall_ns(nr) / 1000;

		if (!xen_hcall_stats[nr].calls)
			continue;
		printk("hypercall: %-18s %10llu calls", xen_hcall_name(nr),
		       (unsigned long long)xen_hcall_stats[nr].calls);
		if (XEN_HCALL_TIMED(nr))
			printk(", %llu.%03llu ms", (unsigned long long)(us / 1000),
			       (unsigned long long)(us % 1000));
		printk("\n");
	}
}

static int cmd_xen(int argc, char **argv)
{
	if (xen_present() && argc == 3 && strcmp(argv[1], "sleep") == 0)
		return xen_cmd_sleep(argv[2]);
	if (xen_present() && argc <= 3 && argc >= 2 && strcmp(argv[1], "p2m") == 0)
		return xen_cmd_p2m(argc, argv);
	if (argc != 1)
		return -EINVAL;
	if (!xen_present()) {
		printk("xen: not running on Xen\n");
		return 0;
	}
	show_version();
	printk("mode: %s, cpuid base %#x\n",
	       xen.mode == XEN_PV ? "pv" : xen.mode == XEN_PVH ? "pvh" : "hvm",
	       xen.cpuid_base);
	printk("domain id: %d\n", xen.domid);
	show_reservation();
	printk("store: pfn %#llx evtchn %u; console: pfn %#llx evtchn %u\n",
	       (unsigned long long)xen.store_pfn, xen.store_evtchn,
	       (unsigned long long)xen.console_pfn, xen.console_evtchn);
	printk("event upcalls: %lu, system time %llu ms\n", xen_upcalls,
	       (unsigned long long)(clock_ns() / 1000000));
	printk("clock: TSC %llu kHz; %llu reads with the TSC behind Xen's stamp, %llu steps back held\n",
	       (unsigned long long)xen_tsc_khz(),
	       (unsigned long long)xen_clock_tsc_behind,
	       (unsigned long long)xen_clock_held);
	printk("rdtsc: %llu cycles a read\n", (unsigned long long)rdtsc_cycles());
	show_timer();
	show_hcalls();
	show_suspend();
	show_start_info();
	return 0;
}
SHELL_COMMAND(xen, "[sleep MS | p2m [PFN]]", "Xen version, features, domain id, reservation",
	      cmd_xen);
