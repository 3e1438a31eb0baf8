/*
 * start_kernel: the boot-mode independent part of boot. The arch entry
 * (multiboot2, Xen PV, PVH) has set up traps and a console and filled the
 * boot memory map and command line; from here on every boot is the same.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/cmdline.h>
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/mm.h>
#include <ballast/parse.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/version.h>

const char *boot_loader_name = "unknown";

static void apply_cmdline(void)
{
	char val[32];
	u64 v;

	if (boot_cmdline_dropped)
		pr_warn("command line longer than %d characters: ignored\n",
			CMDLINE_MAX - 1);
	/* -E2BIG: a value too long for val is refused, never cut */
	if (cmdline_param(boot_cmdline, "loglevel", val, sizeof(val)) == -E2BIG)
		pr_warn("loglevel=: value too long, ignored\n");
	if (cmdline_param(boot_cmdline, "mem", val, sizeof(val)) == -E2BIG)
		pr_warn("mem=: value too long, ignored\n");

	if (cmdline_param(boot_cmdline, "loglevel", val, sizeof(val)) == 0) {
		if (parse_u64(val, &v) == 0 && v <= 7)
			console_loglevel = (int)v;
		else
			pr_warn("loglevel=%s: want 0-7, ignored\n", val);
	}
	if (cmdline_param(boot_cmdline, "mem", val, sizeof(val)) == 0) {
		int err = parse_size(val, &v);
		if (err || v < 16 * MiB)
			pr_warn("mem=%s: %s, ignored\n", val,
				err ? parse_error(err) : "below 16M");
		else
			bootmem_apply_limit(v);
	}
}

void start_kernel(void)
{
	init_hooks_run(INIT_LEVEL_CONSOLE);
	console_early_end();
	apply_cmdline();
	init_hooks_run(INIT_LEVEL_EARLY + 9);
	if (platform.adjust_memory_map)
		platform.adjust_memory_map();
	pr_info("ballast %s booting (%s%s%s)\n", ballast_build_id,
		platform.boot_mode, platform.hypervisor[0] ? ", " : "",
		platform.hypervisor);
	pr_info("command line: %s\n", boot_cmdline);
	pr_info("boot memory map (%s):\n", boot_loader_name);
	if (console_loglevel >= LOGLEVEL_INFO)
		bootmem_print();
	mm_init();
	init_hooks_run(INIT_LEVEL_LAST);
	shell_main();
}
