/*
 * `console`: list the consoles output fans out to, and mute or unmute one.
 * Under nested HVM every byte to the emulated UART is a trip to the device
 * model; a harness (or a person) on the PV console can mute ttyS0 and keep
 * the shell fast. Input is still read from a muted console.
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>

static void list(void)
{
	for (const struct console *c = console_first(); c; c = c->next)
		printk("%-8s %s\n", c->name, c->muted ? "muted" : "printing");
}

static int cmd_console(int argc, char **argv)
{
	bool mute;
	int err;

	if (argc == 1) {
		list();
		return 0;
	}
	if (argc != 3)
		return -EINVAL;
	if (!strcmp(argv[1], "mute"))
		mute = true;
	else if (!strcmp(argv[1], "unmute"))
		mute = false;
	else
		return -EINVAL;
	err = console_set_muted(argv[2], mute);
	if (err == -ENOENT)
		printk("console: no console '%s' (see: console)\n", argv[2]);
	else if (err == -EBUSY)
		printk("console: %s is the last console printing: not muted\n", argv[2]);
	else
		printk("console: %s %s\n", argv[2], mute ? "muted" : "printing");
	return err;
}
SHELL_COMMAND(console, "[mute|unmute NAME]",
	      "list consoles; stop or resume output to one", cmd_console);
