/* `e820`: the boot memory map as the loader gave it, and what mem= cut. */
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/shell.h>

static int cmd_e820(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	printk("Boot memory map:\n");
	bootmem_print();
	return 0;
}
SHELL_COMMAND(e820, "", "show the boot memory map and what mem= ignored",
	      cmd_e820);
