/*
 * Shell commands are registered next to the code they belong to:
 *
 *   static int cmd_free(int argc, char **argv) { ... }
 *   SHELL_COMMAND(free, "[-k|-m]", "show memory usage like procps free", cmd_free);
 *
 * The linker collects every entry into the "shellcmds" section, so the shell
 * needs no central list. A command returns 0, or a negative errno after
 * printing its own message; -EINVAL additionally makes the shell print usage.
 */
#ifndef BALLAST_SHELL_H
#define BALLAST_SHELL_H

#include <ballast/types.h>

#define SHELL_MAX_ARGS 16
#define SHELL_LINE_MAX 256

struct shell_cmd {
	const char *name;
	const char *usage; /* argument synopsis, "" when none */
	const char *help;  /* one line */
	int (*fn)(int argc, char **argv);
};

#define SHELL_COMMAND(id, usage_, help_, fn_)                                 \
	static const struct shell_cmd __shell_cmd_##id __used                 \
		__section("shellcmds") __aligned(8) = {                       \
			.name = #id, .usage = usage_, .help = help_, .fn = fn_ \
		}

/* Same, for command names that are not C identifiers ("mem-hotplug"). */
#define SHELL_COMMAND_NAMED(id, name_, usage_, help_, fn_)                     \
	static const struct shell_cmd __shell_cmd_##id __used                  \
		__section("shellcmds") __aligned(8) = {                        \
			.name = name_, .usage = usage_, .help = help_, .fn = fn_ \
		}

const struct shell_cmd *shell_find(const char *name);
/* Iterate over every registered command, in link order. */
const struct shell_cmd *shell_cmds_begin(void);
const struct shell_cmd *shell_cmds_end(void);

/* Split a line in place into argv (whitespace separated, "double quotes"). */
int shell_split(char *line, char **argv, int max);
/*
 * True while a command runs: the errors it reports (pr_err on its behalf,
 * from mm or a driver) reach the console whatever the log level.
 */
extern bool shell_in_command;
/* Run one command line; returns the command's result or -ENOENT. */
int shell_run_line(const char *line);
/* The interactive loop; never returns. */
void shell_main(void) __noreturn;

#endif
