/* Kernel command line lookup. */
#include "unit.h"
#include <ballast/cmdline.h>
#include <ballast/errno.h>

TEST(cmdline_finds_values)
{
	char v[64];
	const char *cl = "mem=128M loglevel=3 quiet autorun=\"free; lsmem -a\"";

	CHECK_EQ(cmdline_param(cl, "mem", v, sizeof(v)), 0);
	CHECK_STR(v, "128M");
	CHECK_EQ(cmdline_param(cl, "loglevel", v, sizeof(v)), 0);
	CHECK_STR(v, "3");
	CHECK_EQ(cmdline_param(cl, "quiet", v, sizeof(v)), 0);
	CHECK_STR(v, "");
	CHECK_EQ(cmdline_param(cl, "autorun", v, sizeof(v)), 0);
	CHECK_STR(v, "free; lsmem -a");
	CHECK_EQ(cmdline_param(cl, "me", v, sizeof(v)), -ENOENT);
	CHECK_EQ(cmdline_param(cl, "memx", v, sizeof(v)), -ENOENT);
	CHECK_EQ(cmdline_param(cl, "mem", v, 4), -E2BIG);
}

static char seen[8][32];
static int nseen;

static void collect(const char *cmd)
{
	strlcpy(seen[nseen++], cmd, sizeof(seen[0]));
}

TEST(cmdline_splits_autorun)
{
	nseen = 0;
	cmdline_for_each_cmd(" free ;; lsmem -a;poweroff ", collect);
	CHECK_EQ(nseen, 3);
	CHECK_STR(seen[0], "free");
	CHECK_STR(seen[1], "lsmem -a");
	CHECK_STR(seen[2], "poweroff");
}

TEST(cmdline_grub_requoted_words)
{
	char v[64];
	const char *cl = "mem=1G \"autorun=echo \\\"hi\\\"; free\" x=\"a b\"";

	CHECK_EQ(cmdline_param(cl, "autorun", v, sizeof(v)), 0);
	CHECK_STR(v, "echo \"hi\"; free");
	CHECK_EQ(cmdline_param(cl, "x", v, sizeof(v)), 0);
	CHECK_STR(v, "a b");
	CHECK_EQ(cmdline_param(cl, "mem", v, sizeof(v)), 0);
	CHECK_STR(v, "1G");
}

TEST(cmdline_too_long_is_dropped_not_cut)
{
	static char line[CMDLINE_MAX + 16];

	memset(line, 'x', sizeof(line) - 1);
	memcpy(line + CMDLINE_MAX - 12, " autorun=reboot", 15); /* cut: "reb" */
	line[sizeof(line) - 1] = 0;
	boot_cmdline_dropped = false;
	cmdline_set(line);
	CHECK(boot_cmdline_dropped);
	CHECK_STR(boot_cmdline, "");
	cmdline_set("mem=128M");
	CHECK_STR(boot_cmdline, "mem=128M");
	boot_cmdline_dropped = false;
}

TEST(cmdline_switch_takes_one_of_two_words)
{
	const char *cl = "safety_nets=off xen_idle=plain trace=maybe big=xxxxxxxxxxxxxxxxxxxxxxxx";
	bool on = true;

	CHECK_EQ(cmdline_switch(cl, "safety_nets", "on", "off", &on), 1);
	CHECK(!on);
	CHECK_EQ(cmdline_switch(cl, "xen_idle", "plain", "fixup", &on), 1);
	CHECK(on);
	/* absent, or neither word (nor one too long to hold): unchanged */
	CHECK_EQ(cmdline_switch(cl, "absent", "on", "off", &on), 0);
	CHECK_EQ(cmdline_switch(cl, "trace", "on", "off", &on), -EINVAL);
	CHECK_EQ(cmdline_switch(cl, "big", "on", "off", &on), -EINVAL);
	CHECK(on);
}
