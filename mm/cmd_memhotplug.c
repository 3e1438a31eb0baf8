/* `memhotplug`: add and remove memory ranges (absent <-> offline). */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include "internal.h"

/* `memhotplug times`: where adding and removing memory spent its time. */
static int show_times(void)
{
	static const char *const names[HP_STAGES] = {
		[HP_DIRECT_MAP] = "add: direct map",
		[HP_MEMMAP_MAP] = "add: memmap mapped",
		[HP_STRUCT_PAGES] = "add: struct pages written",
		[HP_ONLINE] = "online_pages",
		[HP_OFFLINE] = "offline_pages",
		[HP_REMOVE] = "remove",
	};

	printk("memhotplug: time by stage since boot\n");
	for (int st = 0; st < HP_STAGES; st++) {
		u64 us = mm.hp.ns[st] / 1000, c = mm.hp.calls[st];

		printk("  %-26s %6llu calls %8llu.%03llu ms, %llu us a call\n", names[st],
		       (unsigned long long)c, (unsigned long long)(us / 1000),
		       (unsigned long long)(us % 1000), (unsigned long long)(c ? us / c : 0));
	}
	return 0;
}

static int cmd_memhotplug(int argc, char **argv)
{
	u64 addr, size;
	unsigned int flags = 0;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "times"))
		return show_times();
	if (argc < 4)
		return -EINVAL;
	bool add = !strcmp(argv[1], "add");

	if (!add && strcmp(argv[1], "remove"))
		return -EINVAL;
	for (int i = 4; i < argc; i++) {
		if (add && !strcmp(argv[i], "--memmap-on-memory"))
			flags |= MHP_MEMMAP_ON_MEMORY;
		else
			return -EINVAL;
	}
	ret = parse_u64(argv[2], &addr);
	if (ret) {
		printk("memhotplug: bad address %s: %s\n", argv[2], parse_error(ret));
		return -EINVAL;
	}
	ret = parse_size(argv[3], &size);
	if (ret) {
		printk("memhotplug: bad size %s: %s\n", argv[3], parse_error(ret));
		return -EINVAL;
	}
	ret = add ? add_memory(addr, size, flags) : remove_memory(addr, size);
	if (ret)
		printk("memhotplug: %s 0x%llx size 0x%llx failed: %s\n",
		       argv[1], (unsigned long long)addr, (unsigned long long)size,
		       errno_name(ret));
	else
		printk("memhotplug: %s 0x%llx-0x%llx done\n", add ? "added" : "removed",
		       (unsigned long long)addr, (unsigned long long)(addr + size - 1));
	return ret;
}
SHELL_COMMAND(memhotplug, "add ADDR SIZE [--memmap-on-memory] | remove ADDR SIZE | times",
	      "hot-add (blocks stay offline) or hot-remove memory", cmd_memhotplug);
