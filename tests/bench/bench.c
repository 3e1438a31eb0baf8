/*
 * mm benchmark, run under callgrind by bench.sh. Each measured region is
 * bracketed by CALLGRIND_TOGGLE_COLLECT and dumped under its own name, so
 * the instruction counts are exactly those of the region. Without valgrind
 * the client requests do nothing and the wall-clock figures still print.
 */
#define _GNU_SOURCE
#include "../unit/sim_mm.h"
#include "../unit/sim_platform.h"
#include <ballast/page_reporting.h>
#include <ballast/timer.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <valgrind/callgrind.h>

int console_loglevel = 0;
static bool quiet = true;

/* The mm shell commands poll for Ctrl-C; nothing types here. */
bool console_interrupted(void)
{
	return false;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (!quiet)
		fputs(buf[0] == 1 ? buf + 2 : buf, stdout);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define N0 200000
#define N9 20000
#define NSEC 8

/*
 * Free page reporting on: a device that takes every report at once. The
 * allocator pays for it on the alloc and free paths whether or not
 * anything is reported; the worker's cost is per reported MiB.
 */
static unsigned long reported_pages;

static int bench_report(struct page_reporting_dev *dev,
			const struct reported_block *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		reported_pages += 1UL << b[i].order;
	page_reporting_done(dev, true);
	return 0;
}

static int bench_drain(struct page_reporting_dev *dev)
{
	return 0;
}

static struct page_reporting_dev bench_dev = {
	.name = "bench",
	.capacity = REPORTING_CAPACITY_MAX,
	.report = bench_report,
	.drain = bench_drain,
};

/* n order-`order` alloc+free pairs, measured and dumped under `name`. */
static void pairs(const char *name, unsigned int order, int n)
{
	double t = now();

	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < n; i++)
		free_pages(alloc_pages(order), order);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
	printf("wall: %s: %.1f ns\n", name, (now() - t) * 1e9 / n);
}

/* Reporting on: the same pairs with a device registered and nothing
 * reported yet, then after the worker reported everything; then what the
 * worker costs per reported MiB. */
static void bench_reporting(void)
{
	struct page_reporting_stats st;
	u64 passes;

	sim_platform_reset();
	if (page_reporting_register(&bench_dev))
		panic("bench: page_reporting_register failed");
	pairs("order0_pairs_rep", 0, N0);
	pairs("order9_pairs_rep", 9, N9);
	sim_clock_now += REPORTING_DELAY_NS;
	CALLGRIND_TOGGLE_COLLECT;
	/* One batch per pass, the next armed at once, until a pass finds
	 * nothing (the last run_deferred runs none). */
	do {
		page_reporting_get_stats(&st);
		passes = st.passes;
		run_deferred();
		page_reporting_get_stats(&st);
	} while (st.passes != passes);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("report_all");
	printf("REPORTED=%lu\n", reported_pages);
	pairs("order0_pairs_reported", 0, N0);
	pairs("order9_pairs_reported", 9, N9);
	page_reporting_unregister(&bench_dev);
}

int main(void)
{
	sim_mm_boot_default();
	page_poisoning = false;
	double t;

	/* warm up: fault in what the loops will touch */
	for (int i = 0; i < 1000; i++)
		free_pages(alloc_pages(0), 0);
	for (int i = 0; i < 100; i++)
		free_pages(alloc_pages(9), 9);

	t = now();
	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < N0; i++)
		free_pages(alloc_pages(0), 0);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("order0_pairs");
	printf("wall: order-0 alloc+free: %.1f ns\n", (now() - t) * 1e9 / N0);

	t = now();
	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < N9; i++)
		free_pages(alloc_pages(9), 9);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("order9_pairs");
	printf("wall: order-9 alloc+free: %.1f ns\n", (now() - t) * 1e9 / N9);

	/* one section at a time: add + online measured, offline + remove not */
	for (int pass = 0; pass < 2; pass++) {
		unsigned flags = pass ? MHP_MEMMAP_ON_MEMORY : MHP_NONE;
		double tot = 0;

		for (int i = 0; i < NSEC; i++) {
			phys_addr_t a = (phys_addr_t)(2 + i % 2) * SECTION_SIZE;

			t = now();
			CALLGRIND_TOGGLE_COLLECT;
			if (add_memory(a, SECTION_SIZE, flags) ||
			    online_pages(PFN_DOWN(a), PAGES_PER_SECTION))
				panic("bench: add/online failed");
			CALLGRIND_TOGGLE_COLLECT;
			tot += now() - t;
			if (offline_pages(PFN_DOWN(a), PAGES_PER_SECTION) ||
			    remove_memory(a, SECTION_SIZE))
				panic("bench: offline/remove failed");
		}
		CALLGRIND_DUMP_STATS_AT(pass ? "add_online_mom" : "add_online");
		printf("wall: add+online per page%s: %.2f ns\n",
		       pass ? " (memmap on memory)" : "",
		       tot * 1e9 / (NSEC * PAGES_PER_SECTION));
	}
	bench_reporting();
	if (mm_check_consistency())
		panic("bench: consistency check failed");
	printf("N0=%d N9=%d NSEC=%d PAGES_PER_SECTION=%lu\n", N0, N9, NSEC,
	       PAGES_PER_SECTION);
	printf("memmap bytes per page: %zu (sizeof(struct page)); one %lu MiB section: %lu memmap pages\n",
	       sizeof(struct page), (unsigned long)SECTION_SIZE_MB,
	       section_memmap_pages());
	return 0;
}
