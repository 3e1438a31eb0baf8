/* `free` and `meminfo`: the mm counters, like procps free and /proc/meminfo. */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include <ballast/page_reporting.h>
#include "internal.h"

#define KB(pages) ((unsigned long long)((pages) * (PAGE_SIZE >> 10)))

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


/* Free page reporting, when a device is registered (MemFree includes both). */
static void show_reporting(void)
{
	struct page_reporting_stats rs;

	page_reporting_get_stats(&rs);
	if (!rs.active)
		return;
	printk("Reporting device:     %10s\n", rs.device);
	printk("Reported now:         %10llu kB free, given to the host (%llu kB out for a report)\n",
	       KB(rs.reported_now), KB(rs.out_now));
	printk("Reported since boot:  %10llu kB in %llu reports (%llu refused), %llu passes\n",
	       KB(rs.reported_total), (unsigned long long)rs.reports,
	       (unsigned long long)rs.refused, (unsigned long long)rs.passes);
	printk("Reported reclaims:    %10llu blocks (%llu failed)\n",
	       (unsigned long long)rs.reclaims,
	       (unsigned long long)rs.reclaim_failed);
	printk("Reported drains:      %10llu (%llu ms waited)\n",
	       (unsigned long long)rs.drains,
	       (unsigned long long)(rs.drain_ns / 1000000));
}

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
	printk(", order-0 cache %llu\n", (unsigned long long)st.pcp);
	show_reporting();
	if (argc == 2) {
		int ret = mm_check_consistency();

		printk("Consistency check: %s\n", ret ? "FAILED (see above)" : "ok");
		return ret;
	}
	return 0;
}
SHELL_COMMAND(meminfo, "[-c]", "every mm counter; -c also checks consistency",
	      cmd_meminfo);
