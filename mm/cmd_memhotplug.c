/* `memhotplug`: add and remove memory ranges (absent <-> offline). */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include "internal.h"

static int cmd_memhotplug(int argc, char **argv)
{
	u64 addr, size;
	unsigned int flags = 0;
	int ret;

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
SHELL_COMMAND(memhotplug, "add ADDR SIZE [--memmap-on-memory] | remove ADDR SIZE",
	      "hot-add (blocks stay offline) or hot-remove memory", cmd_memhotplug);
