/* Shell core: splitting, the command table, errors for bad input. */
#include "unit.h"
#include <ballast/errno.h>
#include <ballast/shell.h>

static int seen_argc;
static char seen_last[64];

static int cmd_unittest_probe(int argc, char **argv)
{
	seen_argc = argc;
	strlcpy(seen_last, argv[argc - 1], sizeof(seen_last));
	return argc > 3 ? -EINVAL : 0;
}
SHELL_COMMAND(unittest_probe, "[A] [B]", "test probe", cmd_unittest_probe);

TEST(shell_split_words_and_quotes)
{
	char line[] = "  a  bb \"c d\"\tee ";
	char *argv[8];

	CHECK_EQ(shell_split(line, argv, 8), 4);
	CHECK_STR(argv[0], "a");
	CHECK_STR(argv[1], "bb");
	CHECK_STR(argv[2], "c d");
	CHECK_STR(argv[3], "ee");
}

TEST(shell_split_errors)
{
	char l1[] = "a b c";
	char l2[] = "a \"open";
	char *argv[2];

	CHECK_EQ(shell_split(l1, argv, 2), -E2BIG);
	CHECK_EQ(shell_split(l2, argv, 2), -EINVAL);
}

TEST(shell_runs_registered_command)
{
	CHECK(shell_find("unittest_probe") != NULL);
	CHECK(shell_find("help") != NULL);
	CHECK_EQ(shell_run_line("unittest_probe x y"), 0);
	CHECK_EQ(seen_argc, 3);
	CHECK_STR(seen_last, "y");
}

TEST(shell_unknown_and_usage)
{
	unit_log_clear();
	CHECK_EQ(shell_run_line("no-such-cmd 1"), -ENOENT);
	CHECK(strstr(unit_log(), "unknown command: no-such-cmd (try 'help')"));
	unit_log_clear();
	CHECK_EQ(shell_run_line("unittest_probe 1 2 3"), -EINVAL);
	CHECK(strstr(unit_log(), "usage: unittest_probe [A] [B]"));
	CHECK_EQ(shell_run_line("   "), 0);
}

TEST(shell_bad_lines)
{
	char big[SHELL_LINE_MAX + 10];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	unit_log_clear();
	CHECK_EQ(shell_run_line(big), -E2BIG);
	CHECK(strstr(unit_log(), "line too long"));
	CHECK_EQ(shell_run_line("a b c d e f g h i j k l m n o p q r"), -E2BIG);
	CHECK_EQ(shell_run_line("echo \"unterminated"), -EINVAL);
}

TEST(shell_help_lists_every_command)
{
	unit_log_clear();
	CHECK_EQ(shell_run_line("help"), 0);
	for (const struct shell_cmd *c = shell_cmds_begin();
	     c < shell_cmds_end(); c++)
		CHECK(strstr(unit_log(), c->name));
	unit_log_clear();
	CHECK_EQ(shell_run_line("help echo"), 0);
	CHECK(strstr(unit_log(), "usage: echo"));
	CHECK_EQ(shell_run_line("help nope"), -ENOENT);
}
