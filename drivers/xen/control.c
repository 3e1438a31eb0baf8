/*
 * The toolstack's control/shutdown protocol: `xl shutdown` writes "poweroff", `xl reboot` "reboot"; we
 * acknowledge by clearing the node and shut down cleanly.
 */
#include <ballast/errno.h>
#include <ballast/platform.h>
#include <ballast/xen/guest.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/init.h>
#include <ballast/xen/xenstore.h>

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
	} else {
		pr_warn("xen: control/shutdown '%s' not supported\n", req);
	}
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
	/* Tell the toolstack we follow control/shutdown (best effort). */
	xs_write(0, "control/feature-poweroff", "1");
	xs_write(0, "control/feature-reboot", "1");
	return 0;
}
INIT_HOOK(xen_control, xen_control_init, INIT_LEVEL_EARLY + 1);
