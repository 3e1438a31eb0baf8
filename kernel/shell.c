/*
 * Shell core: split a line, find the command in the linker-built table, run
 * it. Host-testable; the interactive loop is in shell_loop.c.
 */
#include <ballast/shell.h>
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/string.h>

extern const struct shell_cmd __start_shellcmds[], __stop_shellcmds[];

bool shell_in_command;

const struct shell_cmd *shell_cmds_begin(void)
{
	return __start_shellcmds;
}

const struct shell_cmd *shell_cmds_end(void)
{
	return __stop_shellcmds;
}

const struct shell_cmd *shell_find(const char *name)
{
	for (const struct shell_cmd *c = shell_cmds_begin();
	     c < shell_cmds_end(); c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns argc, or -E2BIG for too many words, -EINVAL for an open quote. */
int shell_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *s = line;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		if (argc == max)
			return -E2BIG;
		if (*s == '"') {
			argv[argc++] = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s)
				return -EINVAL;
		} else {
			argv[argc++] = s;
			while (*s && !is_space(*s))
				s++;
		}
		if (*s)
			*s++ = 0;
	}
	return argc;
}

int shell_run_line(const char *line)
{
	char buf[SHELL_LINE_MAX];
	char *argv[SHELL_MAX_ARGS + 1];
	const struct shell_cmd *cmd;
	int argc, err;

	if (strlcpy(buf, line, sizeof(buf)) >= sizeof(buf)) {
		printk("error: line too long (max %d characters)\n",
		       SHELL_LINE_MAX - 1);
		return -E2BIG;
	}
	argc = shell_split(buf, argv, SHELL_MAX_ARGS);
	if (argc == -E2BIG) {
		printk("error: too many arguments (max %d)\n", SHELL_MAX_ARGS);
		return argc;
	}
	if (argc < 0) {
		printk("error: unterminated quote\n");
		return argc;
	}
	if (argc == 0)
		return 0;
	argv[argc] = NULL;
	console_interrupt_clear(); /* a Ctrl-C from now on stops this command */
	cmd = shell_find(argv[0]);
	if (!cmd) {
		printk("unknown command: %s (try 'help')\n", argv[0]);
		return -ENOENT;
	}
	shell_in_command = true;
	err = cmd->fn(argc, argv);
	shell_in_command = false;
	if (err == -EINVAL)
		printk("usage: %s %s\n", cmd->name, cmd->usage);
	return err;
}

static int cmd_help(int argc, char **argv)
{
	const struct shell_cmd *c;

	if (argc > 2)
		return -EINVAL;
	if (argc == 2) {
		c = shell_find(argv[1]);
		if (!c) {
			printk("help: no such command: %s\n", argv[1]);
			return -ENOENT;
		}
		printk("%s - %s\nusage: %s %s\n", c->name, c->help, c->name,
		       c->usage);
		return 0;
	}
	printk("Commands (help CMD for usage):\n");
	/* Alphabetical: pick the next name after the last one printed. */
	for (const char *last = "";;) {
		const struct shell_cmd *next = NULL;
		for (c = shell_cmds_begin(); c < shell_cmds_end(); c++)
			if (strcmp(c->name, last) > 0 &&
			    (!next || strcmp(c->name, next->name) < 0))
				next = c;
		if (!next)
			return 0;
		printk("  %-12s %s\n", next->name, next->help);
		last = next->name;
	}
}
SHELL_COMMAND(help, "[CMD]", "list commands, or show how to use one", cmd_help);

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printk("%s%s", argv[i], i + 1 < argc ? " " : "");
	printk("\n");
	return 0;
}
SHELL_COMMAND(echo, "[WORD...]", "print the arguments", cmd_echo);
