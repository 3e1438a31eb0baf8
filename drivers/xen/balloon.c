/*
 * The Xen backend of the balloon (drivers/balloon/ is the policy): frames go
 * to and come from Xen through the reservation hypercalls, and the target
 * comes from the toolstack's xenstore node memory/target (KiB).
 *
 * What the toolstack means by the target differs by guest type (see
 * docs/xen.md, "The balloon"). A PV guest's RAM is what Xen counts, so
 * the target in pages is the target. A PVH/HVM guest sees less RAM than the
 * toolstack counts (video RAM, the slack libxl adds, holes), so on the first
 * event the difference between memory/static-max and the guest's RAM pages
 * is taken as a constant and subtracted from every target: the same rule
 * Linux follows, so that `xl list` shows the same memory for both.
 *
 * At boot, RAM that came up offline (PV pfns past nr_pages, populate-on-
 * demand memory beyond the reservation) is handed to the balloon: PV as
 * ballooned already, PoD to be given back untouched.
 */
#include <ballast/balloon.h>
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/mm.h>
#include <ballast/parse.h>
#include <ballast/pci.h>
#include <ballast/printk.h>
#include <ballast/cmdline.h>
#include <ballast/string.h>
#include <ballast/xen/guest.h>
#include <ballast/xen/page_reporting.h>
#include <ballast/xen/reservation.h>
#include <ballast/xen/xenstore.h>
#include <asm/xen/hypercall.h>

static long xb_populate(const unsigned long *pfns, unsigned long nr,
			unsigned int order)
{
	return xen_populate_physmap(pfns, nr, order);
}

static long xb_decrease(const unsigned long *pfns, unsigned long nr,
			unsigned int order)
{
	return xen_decrease_reservation(pfns, nr, order);
}

static u64 xb_max_pages(void)
{
	long n = xen_maximum_reservation();

	return n < 0 ? 0 : (u64)n;
}

static u64 tot_pages(void)
{
	long n = xen_current_reservation();

	return n < 0 ? 0 : (u64)n;
}

/*
 * Reported free blocks are the guest's memory whose frames Xen holds for
 * now: counted as the domain's, so the core's maximum target (host max
 * less host count) is what the host allows with every block reclaimed,
 * and `current` settling never chases them.
 */
static u64 xb_current_pages(void)
{
	return xen_reporting_host_current(tot_pages());
}

static int xb_reporting(bool on)
{
	return on ? xen_reporting_start() : xen_reporting_stop();
}

static void xb_show(void)
{
	xen_reporting_show(tot_pages());
}

/*
 * Where blocks beyond the boot map go. PV: right above it (a PV guest's
 * pfn space is its own; the P2M grows to cover them). PVH and HVM: above
 * 4 GiB and above the map, and under HVM above every PCI memory BAR too
 * (hvmloader puts 64-bit BARs right above the top of RAM), read from PCI
 * configuration space once: BARs do not move after boot.
 */
static u64 xb_hotplug_base(void)
{
	static u64 base;

	if (base)
		return base;
	base = bootmem_map_top();
	if (xen.mode != XEN_PV)
		base = MAX(base, 4 * GiB);
	if (xen.mode == XEN_HVM)
		base = MAX(base, pci_mem_bars_end());
	base = ALIGN_UP(base, SECTION_SIZE);
	pr_info("xen balloon: memory blocks are added from %#llx\n",
		(unsigned long long)base);
	return base;
}

/* The host calls of the balloon's time split: the reservation hypercall
 * and PV's page-table ones (mapping and unmapping frames, blocks). */
static const unsigned host_nr[] = {
	__HYPERVISOR_memory_op, __HYPERVISOR_mmu_update, __HYPERVISOR_mmuext_op,
	__HYPERVISOR_update_va_mapping, __HYPERVISOR_multicall,
};
static const char *const host_kinds[] = {
	"memory_op", "mmu_update", "mmuext_op", "update_va_mapping", "multicall", NULL,
};

_Static_assert(ARRAY_SIZE(host_nr) + 1 == ARRAY_SIZE(host_kinds) &&
	       ARRAY_SIZE(host_nr) <= BALLOON_HOST_KINDS, "host kinds");

static void xb_host_calls(struct balloon_host_calls *c)
{
	for (unsigned i = 0; i < ARRAY_SIZE(host_nr); i++) {
		c[i].calls = xen_hcall_stats[host_nr[i]].calls;
		c[i].ns = xen_hcall_ns(host_nr[i]);
	}
}

static const struct balloon_backend xen_balloon_backend = {
	.name = "xen",
	/* A released frame may go to another domain; 2 MiB is the largest
	 * extent a domU may ask for on x86; the domain has a maximum. */
	.scrub = true,
	.max_order = BALLOON_HUGE_ORDER,
	.host_limit = true,
	.tell_before_reuse = true,
	.pfn_shift = PAGE_SHIFT,
	.populate = xb_populate,
	.decrease = xb_decrease,
	.max_pages = xb_max_pages,
	.current_pages = xb_current_pages,
	.hotplug_base = xb_hotplug_base,
	.show = xb_show,
	.reporting = xb_reporting,
	.host_kinds = host_kinds,
	.host_calls = xb_host_calls,
};

/* ---- memory/target ----------------------------------------------------- */

static bool have_diff;
static u64 target_diff; /* pages the toolstack counts beyond the guest's RAM */

/*
 * A xenstore number in KiB: decimal digits only, no sign, bounded so that
 * the page count fits with room to spare. Anything else is refused.
 */
static int read_kib(const char *path, u64 *kib)
{
	char buf[32];
	int n = xs_read(0, path, buf, sizeof(buf));
	u64 v = 0;

	if (n < 0)
		return n;
	if (n == 0 || n > 19)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		v = v * 10 + (u64)(buf[i] - '0');
	}
	*kib = v;
	return 0;
}

static void learn_diff(void)
{
	/* RAM pages of the boot map, with blocks that came up absent (PoD). */
	u64 static_max, ram = bootmem_ram_pages(0, PFN_DOWN(bootmem_map_top()));

	have_diff = true;
	if (xen.mode == XEN_PV || read_kib("memory/static-max", &static_max))
		return;
	if (static_max / 4 > ram)
		target_diff = static_max / 4 - ram;
	pr_info("xen balloon: toolstack counts %llu KiB beyond the guest's RAM\n",
		(unsigned long long)(target_diff * 4));
}

static void target_fired(struct xs_watch *w, const char *path)
{
	u64 kib;
	int err = read_kib("memory/target", &kib);

	/* A new watch fires at once and events may be spurious: re-read. */
	if (err == -ENOENT)
		return;
	if (err) {
		pr_warn("xen balloon: memory/target is not a size in KiB (%s): ignored\n",
			errno_name(err));
		return;
	}
	if (!have_diff)
		learn_diff();
	if (kib / 4 <= target_diff) {
		pr_warn("xen balloon: memory/target %llu KiB is below what the "
			"toolstack counts outside RAM: ignored\n",
			(unsigned long long)kib);
		return;
	}
	balloon_set_target(kib / 4 - target_diff);
}

static struct xs_watch target_watch = {
	.path = "memory/target",
	.fn = target_fired,
};

/* ---- bring-up ---------------------------------------------------------- */

static void adopt_boot_offline(void)
{
	enum balloon_adopt how = xen.mode == XEN_PV ? BALLOON_ADOPT_UNBACKED
						     : BALLOON_ADOPT_POD;
	u64 s, e;

	for (int i = 0; bootmem_offline_range(i, &s, &e); i++) {
		int err;

		if (e <= s)
			continue;
		err = balloon_adopt(PFN_DOWN(s), PFN_DOWN(e - s), how);
		if (err)
			pr_err("xen balloon: cannot take over %#llx-%#llx: %s\n",
			       (unsigned long long)s, (unsigned long long)e,
			       errno_name(err));
	}
}

/* page_reporting=xen: free page reporting from boot (off by default). */
static void reporting_from_cmdline(void)
{
	char val[16];
	int err = cmdline_param(boot_cmdline, "page_reporting", val, sizeof(val));

	if (err == -ENOENT)
		return;
	if (err || strcmp(val, "xen") != 0) {
		pr_warn("xen balloon: page_reporting=%s: not a reporting device here "
			"(want xen): reporting stays off\n", err ? "(too long)" : val);
		return;
	}
	err = xen_reporting_start();
	if (err)
		pr_err("xen balloon: free page reporting not started: %s\n",
		       errno_name(err));
	else
		pr_info("xen balloon: free page reporting on (page_reporting=xen)\n");
}

static int xen_balloon_init(void)
{
	int err;

	if (!xen_present())
		return -ENODEV;
	err = balloon_register_backend(&xen_balloon_backend);
	if (err)
		return err;
	adopt_boot_offline();
	reporting_from_cmdline();
	if (!xs_ready())
		return 0; /* no target from the toolstack; the shell still can */
	err = xs_watch_add(&target_watch);
	if (err)
		return err;
	/* Toolstacks of the xapi family check that guests follow targets. */
	xs_write(0, "control/feature-balloon", "1");
	return 0;
}
INIT_HOOK(xen_balloon, xen_balloon_init, INIT_LEVEL_MM);

/*
 * In a new domain the re-registered watch brings memory/target at once and
 * the balloon goes on towards it. The host-guest constant is kept: it is
 * static-max less the boot map's RAM, and measured again after `xl mem-max`
 * raised static-max and blocks were hot-added it came out as the whole
 * added size (pvhsavehot went to 122 MiB for a 250 MiB target). The
 * limits that do change (max_pages) are asked of Xen on every batch.
 */
static void xen_balloon_resume(bool cancelled)
{
	if (xs_ready() && !cancelled)
		xs_write(0, "control/feature-balloon", "1");
}
SUSPEND_HOOK(xen_balloon, NULL, xen_balloon_resume, INIT_LEVEL_MM);
