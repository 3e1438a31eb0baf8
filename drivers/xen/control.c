/*
 * The toolstack's control/shutdown protocol: `xl shutdown` writes "poweroff", `xl reboot` "reboot",
 * `xl save` and `xl migrate` "suspend"; we acknowledge by clearing the node and shut down cleanly, or
 * suspend (arch/x86/xen/suspend.c) and go on when the domain runs again, here or in a new domain.
 */
#include <ballast/errno.h>
#include <ballast/platform.h>
#include <ballast/xen/guest.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/init.h>
#include <ballast/xen/xenstore.h>
#include <asm/xen/setup.h>

static void do_suspend(void)
{
	int rc;

	printk("xen: suspend requested by the toolstack\n");
	rc = xen_suspend();
	if (rc == 0)
		printk("xen: resumed in a new domain\n");
	else if (rc == 1)
		printk("xen: suspend cancelled: resumed in the same domain\n");
	else
		pr_err("xen: cannot suspend: %s\n", errno_name(rc));
}

static void shutdown_fired(struct xs_watch *w, const char *path)
{
	char req[32];
	int n = xs_read(0, "control/shutdown", req, sizeof(req));

	/* A new watch fires at once, and events may be spurious: re-read. */
	if (n <= 0)
		return;
	xs_write(0, "control/shutdown", "");
	if (strcmp(req, "poweroff") == 0 || strcmp(req, "halt") == 0) {
		printk("xen: shutdown requested by the toolstack\n");
		machine_poweroff();
	} else if (strcmp(req, "reboot") == 0) {
		printk("xen: reboot requested by the toolstack\n");
		machine_reboot();
	} else if (strcmp(req, "suspend") == 0) {
		do_suspend();
	} else {
		pr_warn("xen: control/shutdown '%s' not supported\n", req);
	}
}

/* Tell the toolstack what we follow of control/shutdown (best effort). */
static void write_features(void)
{
	xs_write(0, "control/feature-poweroff", "1");
	xs_write(0, "control/feature-reboot", "1");
	xs_write(0, "control/feature-suspend", "1");
}

static struct xs_watch shutdown_watch = {
	.path = "control/shutdown",
	.fn = shutdown_fired,
};

static int xen_control_init(void)
{
	int err;

	if (!xen_present() || !xs_ready())
		return -ENODEV;
	err = xs_watch_add(&shutdown_watch);
	if (err) {
		pr_warn("xen: control/shutdown watch failed: %s\n",
			errno_name(err));
		return 0;
	}
	write_features();
	return 0;
}
INIT_HOOK(xen_control, xen_control_init, INIT_LEVEL_EARLY + 1);

/* A new domain has new nodes: say it again (xapi reads feature-suspend). */
static void xen_control_resume(bool cancelled)
{
	if (xen_present() && xs_ready() && !cancelled)
		write_features();
}
SUSPEND_HOOK(xen_control, NULL, xen_control_resume, INIT_LEVEL_EARLY + 1);
