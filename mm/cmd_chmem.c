/* `chmem`: online and offline memory blocks, like util-linux chmem. */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include "internal.h"

static int chmem_block(unsigned long nr, bool enable)
{
	int ret = enable ? online_memory_block(nr) : offline_memory_block(nr);

	printk("chmem: memory block %lu (0x%llx-0x%llx) %s%s%s\n", nr,
	       (unsigned long long)(nr * SECTION_SIZE),
	       (unsigned long long)((nr + 1) * SECTION_SIZE - 1),
	       ret ? (enable ? "enable failed: " : "disable failed: ") :
		     (enable ? "enabled" : "disabled"),
	       ret ? errno_name(ret) : "",
	       ret == -EBUSY && !enable ? " (see the reason above)" : "");
	return ret;
}

/* Blocks first..last (bounded by the caller); Ctrl-C stops between blocks. */
static int chmem_blocks(u64 first, u64 last, bool enable)
{
	int ret = 0;

	for (u64 nr = first; nr <= last; nr++) {
		if (console_interrupted()) {
			printk("chmem: interrupted: blocks %llu-%llu done, %llu-%llu not tried\n",
			       (unsigned long long)first, (unsigned long long)nr - 1,
			       (unsigned long long)nr, (unsigned long long)last);
			return -EINTR;
		}
		int r = chmem_block(nr, enable);

		if (r)
			ret = r;
	}
	return ret;
}

/* chmem -b BLOCK or FIRST-LAST (the string is split in place). */
static int chmem_by_block(char *arg, char *dash, bool enable)
{
	u64 a, b;
	int ret;

	if (dash)
		*dash = 0;
	ret = parse_u64(arg, &a);
	b = a;
	if (!ret && dash)
		ret = parse_u64(dash + 1, &b);
	if (ret) {
		printk("chmem: bad block number: %s\n", parse_error(ret));
		return -EINVAL;
	}
	if (b < a || b >= mm_nr_sections()) {
		printk("chmem: blocks %llu-%llu: valid blocks are 0-%lu\n",
		       (unsigned long long)a, (unsigned long long)b,
		       mm_nr_sections() - 1);
		return -ERANGE;
	}
	return chmem_blocks(a, b, enable);
}

/* chmem START-END: addresses, END inclusive, whole blocks. */
static int chmem_by_range(char *arg, char *dash, bool enable)
{
	u64 a, b;
	int ret;

	*dash = 0;
	ret = parse_u64(arg, &a);
	if (!ret)
		ret = parse_u64(dash + 1, &b);
	if (ret) {
		printk("chmem: bad range: %s\n", parse_error(ret));
		return -EINVAL;
	}
	if (b < a || !IS_ALIGNED(a, SECTION_SIZE) ||
	    !IS_ALIGNED(b + 1, SECTION_SIZE)) {
		printk("chmem: range must cover whole %llu MiB blocks\n",
		       (unsigned long long)(SECTION_SIZE >> 20));
		return -EINVAL;
	}
	if (b / SECTION_SIZE >= mm_nr_sections()) {
		printk("chmem: range 0x%llx-0x%llx goes beyond the highest physical address 0x%llx\n",
		       (unsigned long long)a, (unsigned long long)b,
		       (unsigned long long)mm_nr_sections() * SECTION_SIZE);
		return -ERANGE;
	}
	return chmem_blocks(a / SECTION_SIZE, b / SECTION_SIZE, enable);
}

/* chmem SIZE: that much memory changes state, lowest blocks first when
 * enabling, highest first when disabling (as util-linux does). */
static int chmem_by_size(const char *arg, bool enable)
{
	u64 size, want, done = 0;
	unsigned long n = mm_nr_sections();
	int ret = parse_size(arg, &size);

	if (ret) {
		printk("chmem: bad size: %s\n", parse_error(ret));
		return -EINVAL;
	}
	if (!size || !IS_ALIGNED(size, SECTION_SIZE)) {
		printk("chmem: size must be a multiple of the %llu MiB block size\n",
		       (unsigned long long)(SECTION_SIZE >> 20));
		return -EINVAL;
	}
	want = size / SECTION_SIZE;
	for (unsigned long k = 0; k < n && done < want; k++) {
		unsigned long nr = enable ? k : n - 1 - k;

		if (mm.sections[nr].state != (enable ? SECTION_OFFLINE : SECTION_ONLINE))
			continue;
		if (console_interrupted()) {
			printk("chmem: interrupted after %s %llu of %llu requested blocks\n",
			       enable ? "enabling" : "disabling",
			       (unsigned long long)done, (unsigned long long)want);
			return -EINTR;
		}
		if (chmem_block(nr, enable) == 0)
			done++;
	}
	if (done < want) {
		printk("chmem: %s only %llu of %llu requested blocks\n",
		       enable ? "enabled" : "disabled", (unsigned long long)done,
		       (unsigned long long)want);
		return -EBUSY;
	}
	return 0;
}

/* -e|-d [-b] ARG: which way, whether by block, and the argument's index. */
static int chmem_options(int argc, char **argv, bool *enable, bool *by_block)
{
	int i = 1;

	if (argc < 3)
		return -EINVAL;
	if (!strcmp(argv[i], "-e") || !strcmp(argv[i], "--enable"))
		*enable = true;
	else if (!strcmp(argv[i], "-d") || !strcmp(argv[i], "--disable"))
		*enable = false;
	else
		return -EINVAL;
	i++;
	*by_block = !strcmp(argv[i], "-b") || !strcmp(argv[i], "--blocks");
	if (*by_block)
		i++;
	return i == argc - 1 ? i : -EINVAL;
}

static int cmd_chmem(int argc, char **argv)
{
	bool enable, by_block;
	int i = chmem_options(argc, argv, &enable, &by_block);
	char *dash;

	if (i < 0)
		return i;
	if (!mm_ready()) {
		printk("chmem: memory management is not initialised\n");
		return -EAGAIN;
	}
	/* Split in place: a copy into a fixed buffer could cut the argument. */
	dash = strchr(argv[i], '-');
	if (by_block)
		return chmem_by_block(argv[i], dash, enable);
	if (dash)
		return chmem_by_range(argv[i], dash, enable);
	return chmem_by_size(argv[i], enable);
}
SHELL_COMMAND(chmem, "-e|-d SIZE | -e|-d -b BLOCK[-BLOCK] | -e|-d START-END",
	      "online (-e) or offline (-d) memory blocks", cmd_chmem);
