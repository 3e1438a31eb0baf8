/* `lsmem`: memory blocks and their state, like util-linux lsmem. */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include "internal.h"

/*
 * util-linux style (size_to_human_string): 128M, 1.5G, 0B. The fraction is
 * cut to thousandths, then rounded half up to one decimal: 2.875G is 2.9G,
 * 1.96G is 2G.
 */
static const char *human(u64 bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	int u = 0;
	u64 div = 1;

	while (u < 6 && bytes >= div * 1024) {
		div *= 1024;
		u++;
	}
	u64 whole = bytes / div, frac = bytes % div, tenths;

	/* frac * 1000 would overflow from 2^54 on: scale both down first */
	frac = frac >= ~0ULL / 1000 ? frac / 1024 * 1000 / (div / 1024)
				    : frac * 1000 / div;
	tenths = (frac + 50) / 100;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (!tenths)
		ksnprintf(buf, len, "%llu%c", (unsigned long long)whole, units[u]);
	else
		ksnprintf(buf, len, "%llu.%llu%c", (unsigned long long)whole,
			  (unsigned long long)tenths, units[u]);
	return buf;
}

static void lsmem_line(unsigned long first, unsigned long last, u8 state,
		       bool removable, const struct memory_owner *owner)
{
	char sz[16], blk[24];

	if (first == last)
		ksnprintf(blk, sizeof(blk), "%lu", first);
	else
		ksnprintf(blk, sizeof(blk), "%lu-%lu", first, last);
	/* OWNER last: parsers that read the first columns see no change. */
	printk("0x%016llx-0x%016llx %6s %7s %9s %8s %s\n",
	       (unsigned long long)(first * SECTION_SIZE),
	       (unsigned long long)((last + 1) * SECTION_SIZE - 1),
	       human((last - first + 1) * SECTION_SIZE, sz, sizeof(sz)),
	       state == SECTION_ONLINE ? "online" : "offline",
	       removable ? "yes" : "no", blk, owner ? owner->name : "-");
}

/* Block numbers as ranges ("16-25 30"), and how many. */
static void print_history(const char *what, bool added)
{
	unsigned long n = mm_nr_sections(), count = 0, start = 0;
	bool in = false;
	char line[160];
	size_t len = 0;

	line[0] = 0;
	for (unsigned long nr = 0; nr <= n; nr++) {
		bool hit = nr < n &&
			   (added ? mm.sections[nr].state != SECTION_ABSENT &&
					    !mm.sections[nr].boot
				  : mm.sections[nr].state == SECTION_ABSENT &&
					    (mm.history[nr] & SECTION_WAS_REMOVED));

		count += hit;
		if (hit && !in)
			start = nr;
		if (!hit && in && len < sizeof(line) - 24)
			len += ksnprintf(line + len, sizeof(line) - len,
					 start == nr - 1 ? " %lu" : " %lu-%lu",
					 start, nr - 1);
		in = hit;
	}
	if (count)
		printk("%s %lu (block%s%s)\n", what, count, line, "");
}

static int cmd_lsmem(int argc, char **argv)
{
	bool all = false, history = false;
	u64 on = 0, off = 0;
	char sz[16];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			all = true;
		else if (!strcmp(argv[i], "-H") || !strcmp(argv[i], "--history"))
			history = true;
		else
			return -EINVAL;
	}
	if (!mm_ready()) {
		printk("lsmem: memory management is not initialised\n");
		return -EAGAIN;
	}
	printk("%-37s %6s %7s %9s %8s %s\n", "RANGE", "SIZE", "STATE",
	       "REMOVABLE", "BLOCK", "OWNER");
	unsigned long n = mm_nr_sections(), start = 0;
	bool have = false, rem = false;
	const struct memory_owner *owner = NULL;
	u8 state = 0;

	for (unsigned long nr = 0; nr <= n; nr++) {
		u8 st = nr < n ? mm.sections[nr].state : SECTION_ABSENT;
		bool r = st != SECTION_ABSENT && is_memory_block_removable(nr);
		const struct memory_owner *o = nr < n ? memory_block_owner(nr) : NULL;

		if (have && (all || st != state || r != rem || o != owner)) {
			lsmem_line(start, nr - 1, state, rem, owner);
			have = false;
		}
		if (st == SECTION_ABSENT)
			continue;
		if (st == SECTION_ONLINE)
			on += SECTION_SIZE;
		else
			off += SECTION_SIZE;
		if (!have) {
			have = true;
			start = nr;
			state = st;
			rem = r;
			owner = o;
		}
	}
	printk("\nMemory block size:    %8s\n", human(SECTION_SIZE, sz, sizeof(sz)));
	printk("Total online memory:  %8s\n", human(on, sz, sizeof(sz)));
	printk("Total offline memory: %8s\n", human(off, sz, sizeof(sz)));
	print_history("Hot-added blocks:    ", true);
	/* What was, not what is: only when asked, so that lsmem back at the
	 * boot layout prints what it printed at boot. */
	if (history)
		print_history("Removed since boot:  ", false);
	return 0;
}
SHELL_COMMAND(lsmem, "[-a] [-H]", "list memory blocks like util-linux lsmem", cmd_lsmem);
