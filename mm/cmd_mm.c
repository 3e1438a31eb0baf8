/*
 * Shell commands for memory: free, lsmem, chmem, memhotplug, meminfo,
 * memtest. They print with plain printk and parse with parse.h.
 */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include "internal.h"

#define KB(pages) ((unsigned long long)((pages) * (PAGE_SIZE >> 10)))

/* ---- free ----------------------------------------------------------------- */

static int cmd_free(int argc, char **argv)
{
	unsigned int shift = 10; /* -k */
	struct mm_stats st;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-k"))
			shift = 10;
		else if (!strcmp(argv[i], "-m"))
			shift = 20;
		else if (!strcmp(argv[i], "-b"))
			shift = 0;
		else
			return -EINVAL;
	}
	mm_get_stats(&st);
#define U(pages) ((unsigned long long)(((pages) << PAGE_SHIFT) >> shift))
	u64 free = st.free + st.isolated_free;

	printk("%18s %12s %12s\n", "total", "used", "free");
	printk("Mem:     %12llu %12llu %12llu\n", U(st.managed),
	       U(st.managed - free), U(free));
	printk("Offline: %12llu %12s %12s  (blocks offline %llu, PageOffline/ballooned %llu)\n",
	       U(st.offline + st.page_offline), "-", "-", U(st.offline),
	       U(st.page_offline));
#undef U
	return 0;
}
SHELL_COMMAND(free, "[-k|-m|-b]", "memory usage like procps free (KiB by default)",
	      cmd_free);

/* ---- lsmem ---------------------------------------------------------------- */

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
		       bool removable)
{
	char sz[16], blk[24];

	if (first == last)
		ksnprintf(blk, sizeof(blk), "%lu", first);
	else
		ksnprintf(blk, sizeof(blk), "%lu-%lu", first, last);
	printk("0x%016llx-0x%016llx %6s %7s %9s %8s\n",
	       (unsigned long long)(first * SECTION_SIZE),
	       (unsigned long long)((last + 1) * SECTION_SIZE - 1),
	       human((last - first + 1) * SECTION_SIZE, sz, sizeof(sz)),
	       state == SECTION_ONLINE ? "online" : "offline",
	       removable ? "yes" : "no", blk);
}

static int cmd_lsmem(int argc, char **argv)
{
	bool all = false;
	u64 on = 0, off = 0;
	char sz[16];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			all = true;
		else
			return -EINVAL;
	}
	if (!mm_ready()) {
		printk("lsmem: memory management is not initialised\n");
		return -EAGAIN;
	}
	printk("%-37s %6s %7s %9s %8s\n", "RANGE", "SIZE", "STATE", "REMOVABLE",
	       "BLOCK");
	unsigned long n = mm_nr_sections(), start = 0;
	bool have = false, rem = false;
	u8 state = 0;

	for (unsigned long nr = 0; nr <= n; nr++) {
		u8 st = nr < n ? mm.sections[nr].state : SECTION_ABSENT;
		bool r = st != SECTION_ABSENT && is_memory_block_removable(nr);

		if (have && (all || st != state || r != rem)) {
			lsmem_line(start, nr - 1, state, rem);
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
		}
	}
	printk("\nMemory block size:    %8s\n", human(SECTION_SIZE, sz, sizeof(sz)));
	printk("Total online memory:  %8s\n", human(on, sz, sizeof(sz)));
	printk("Total offline memory: %8s\n", human(off, sz, sizeof(sz)));
	return 0;
}
SHELL_COMMAND(lsmem, "[-a]", "list memory blocks like util-linux lsmem", cmd_lsmem);

/* ---- chmem ---------------------------------------------------------------- */

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

/* ---- memhotplug ----------------------------------------------------------- */

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

/* ---- meminfo -------------------------------------------------------------- */

static int cmd_meminfo(int argc, char **argv)
{
	struct mm_stats st;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-c")))
		return -EINVAL;
	mm_get_stats(&st);
	printk("MemTotal (managed):   %10llu kB\n", KB(st.managed));
	printk("MemFree:              %10llu kB\n", KB(st.free));
	printk("MemUsed:              %10llu kB\n", KB(st.managed - st.free - st.isolated_free));
	printk("IsolatedFree:         %10llu kB\n", KB(st.isolated_free));
	printk("Present:              %10llu kB\n", KB(st.present));
	printk("Online:               %10llu kB\n", KB(st.online));
	printk("Offline (blocks):     %10llu kB\n", KB(st.offline));
	printk("PageOffline (online): %10llu kB\n", KB(st.page_offline));
	printk("Reserved:             %10llu kB\n", KB(st.reserved));
	printk("Memmap:               %10llu kB (%llu pages)\n", KB(st.memmap),
	       (unsigned long long)st.memmap);
	printk("MemmapOnMemory:       %10llu kB\n", KB(st.memmap_on_memory));
	printk("PageTables (buddy):   %10llu kB\n", KB(st.pgtable));
	printk("BootAllocated:        %10llu kB\n", KB(st.boot_alloc));
	printk("sizeof(struct page):  %10zu bytes (%zu bytes per 4096-byte page, %llu.%02llu%%)\n",
	       sizeof(struct page), sizeof(struct page),
	       (unsigned long long)(sizeof(struct page) * 100 / PAGE_SIZE),
	       (unsigned long long)(sizeof(struct page) * 10000 / PAGE_SIZE % 100));
	printk("Memory block size:    %10llu kB, %lu blocks present, %lu online\n",
	       (unsigned long long)(SECTION_SIZE >> 10), st.nr_sections_present,
	       st.nr_sections_online);
	printk("Page poisoning:       %10s\n", page_poisoning ? "on" : "off");
	printk("Free blocks per order:");
	for (int o = 0; o < NR_ORDERS; o++)
		printk(" %d:%llu", o, (unsigned long long)st.free_blocks[o]);
	printk("\n");
	if (argc == 2) {
		int ret = mm_check_consistency();

		printk("Consistency check: %s\n", ret ? "FAILED (see above)" : "ok");
		return ret;
	}
	return 0;
}
SHELL_COMMAND(meminfo, "[-c]", "every mm counter; -c also checks consistency",
	      cmd_meminfo);

/* ---- memtest -------------------------------------------------------------- */

static u64 pattern(phys_addr_t pa)
{
	return (pa * 0x9e3779b97f4a7c15ULL) ^ 0x5a5aa5a5c3c33c3cULL;
}

/* Allocate up to size, largest blocks first; chained through page->private. */
static u32 memtest_alloc(u64 size, u64 *got, unsigned long *blocks)
{
	u32 head = PFN_NONE;

	for (int order = MAX_ORDER; order >= 0 && *got < size;) {
		if ((PAGE_SIZE << order) > size - *got) {
			order--;
			continue;
		}
		struct page *p = alloc_pages(order);

		if (!p) {
			order--;
			continue;
		}
		p->private = head;
		head = (u32)page_to_pfn(p);
		*got += PAGE_SIZE << order;
		(*blocks)++;
	}
	return head;
}

/* Write the pattern to every block, Ctrl-C stopping; returns blocks written. */
static unsigned long memtest_write(u32 head)
{
	unsigned long n = 0;

	for (u32 pfn = head; pfn != PFN_NONE && !console_interrupted();
	     pfn = (u32)pfn_to_page(pfn)->private, n++) {
		struct page *p = pfn_to_page(pfn);
		u64 *w = page_address(p);
		u64 words = (PAGE_SIZE << p->order) / 8;

		for (u64 k = 0; k < words; k++)
			w[k] = pattern(PFN_PHYS(pfn) + k * 8);
	}
	return n;
}

/* Check the first `written` blocks (until Ctrl-C) and free them all. */
static u64 memtest_verify_free(u32 head, unsigned long written, u64 *tested)
{
	u64 bad = 0;

	for (u32 pfn = head; pfn != PFN_NONE;) {
		struct page *p = pfn_to_page(pfn);
		u64 *w = page_address(p);
		u64 words = (PAGE_SIZE << p->order) / 8;
		u32 next = (u32)p->private;

		if (written && !console_interrupted()) {
			written--;
			for (u64 k = 0; k < words; k++) {
				if (w[k] != pattern(PFN_PHYS(pfn) + k * 8) && bad++ < 8)
					printk("memtest: mismatch at 0x%llx\n",
					       (unsigned long long)(PFN_PHYS(pfn) + k * 8));
			}
			*tested += PAGE_SIZE << p->order;
		}
		p->private = 0;
		free_pages(p, p->order);
		pfn = next;
	}
	return bad;
}

static int cmd_memtest(int argc, char **argv)
{
	u64 size, got = 0, tested = 0, bad;
	unsigned long blocks = 0;
	int ret;

	if (argc != 2)
		return -EINVAL;
	ret = parse_size(argv[1], &size);
	if (ret) {
		printk("memtest: bad size %s: %s\n", argv[1], parse_error(ret));
		return -EINVAL;
	}
	if (!size || size > ALIGN_DOWN(~0ULL, PAGE_SIZE)) {
		printk("memtest: size %s: want 1 to 0x%llx bytes\n", argv[1],
		       (unsigned long long)ALIGN_DOWN(~0ULL, PAGE_SIZE));
		return -ERANGE;
	}
	size = ALIGN_UP(size, PAGE_SIZE);
	u32 head = memtest_alloc(size, &got, &blocks);

	bad = memtest_verify_free(head, memtest_write(head), &tested);
	if (tested < got) {
		printk("memtest: interrupted: %llu of %llu KiB allocated were verified (%llu bad words)\n",
		       (unsigned long long)(tested >> 10),
		       (unsigned long long)(got >> 10), (unsigned long long)bad);
		return bad ? -EIO : -EINTR;
	}
	if (!got) {
		printk("memtest: no memory could be allocated: nothing tested\n");
		return -ENOMEM;
	}
	printk("memtest: %llu KiB requested, %llu KiB tested in %lu blocks: %s (%llu bad words)\n",
	       (unsigned long long)(size >> 10), (unsigned long long)(got >> 10),
	       blocks, bad ? "FAILED" : "ok", (unsigned long long)bad);
	if (got < size)
		printk("memtest: only %llu of %llu KiB could be allocated\n",
		       (unsigned long long)(got >> 10), (unsigned long long)(size >> 10));
	return bad ? -EIO : got < size ? -ENOMEM : 0;
}
SHELL_COMMAND(memtest, "SIZE", "allocate SIZE, write a pattern, verify, free",
	      cmd_memtest);
