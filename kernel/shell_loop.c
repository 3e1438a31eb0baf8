/*
 * The interactive shell: run the autorun= commands, then prompt, read a line
 * through the line editor, run it, forever.
 */
#include <ballast/cmdline.h>
#include <ballast/console.h>
#include <ballast/lineedit.h>
#include <ballast/printk.h>
#include <ballast/shell.h>

#define PROMPT "ballast> "

static struct lineedit le;

static void echo(const char *s, size_t n)
{
	console_write(s, n);
}

/* After a message printed while a line was being typed (console.h). */
static void redraw(void)
{
	printk(PROMPT);
	lineedit_redraw(&le);
}

static void autorun_one(const char *cmd)
{
	printk(PROMPT "%s\n", cmd);
	shell_run_line(cmd);
}

void shell_main(void)
{
	char cmds[CMDLINE_MAX];

	if (cmdline_param(boot_cmdline, "autorun", cmds, sizeof(cmds)) == 0)
		cmdline_for_each_cmd(cmds, autorun_one);
	lineedit_init(&le, echo);
	printk("\nballast shell: type 'help' for commands.\n" PROMPT);
	for (;;) {
		int ch;

		console_edit_begin(redraw);
		ch = console_getc_wait();
		console_edit_end();
		switch (lineedit_feed(&le, (char)ch)) {
		case LE_LINE:
			console_lines++;
			shell_run_line(le.buf);
			break;
		case LE_OVERFLOW:
			console_lines++;
			printk("error: line too long (max %d characters), "
			       "ignored\n", SHELL_LINE_MAX - 1);
			break;
		case LE_CANCEL:
			break;
		case LE_NONE:
			continue;
		}
		printk(PROMPT);
	}
}
