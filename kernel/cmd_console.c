/*
 * `console`: list the consoles output fans out to, and mute or unmute one.
 * Under nested HVM every byte to the emulated UART is a trip to the device
 * model; a harness (or a person) on the PV console can mute ttyS0 and keep
 * the shell fast. Input is still read from a muted console. The listing
 * ends with what came in and what was lost on the way.
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>

/*
 * The counters let a test that types many lines tell where one went
 * missing: not read at all (in bytes), lost by the device (overruns), or
 * read but its echo dropped (out dropped).
 */
static void list(void)
{
	const struct console *c;

	for (c = console_first(); c; c = c->next)
		printk("%-8s %s\n", c->name, c->muted ? "muted" : "printing");
	printk("lines read: %lu\n", console_lines);
	for (c = console_first(); c; c = c->next)
		printk("%s: in %lu bytes, %lu overruns; out %lu bytes dropped\n",
		       c->name, c->rx_bytes, c->rx_overruns, c->tx_dropped);
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
