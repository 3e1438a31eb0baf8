/*
 * Balloon core benchmark, run under callgrind by bench.sh: instructions per
 * page ballooned down and up again, in 2 MiB extents and (the host refusing
 * order 9) in 4 KiB pages, against the simulated hypervisor
 * (tests/unit/sim_hypervisor.c) over the host mm (tests/unit/sim_mm.c).
 *
 * Built once per guest size (-DBB_GUEST_GIB, with SIM_MM_MAX_PHYS to
 * match): 1 GiB, all of it backed; 1 TiB, of which BB_BACKED_GIB are backed
 * and the rest is RAM the host has no frames for, adopted by the balloon at
 * boot (a Xen PV guest with maxmem = 1 TiB). Both move the same BB_MOVE_MIB,
 * so the per-page figures compare directly: a cost that grew with the
 * guest's size (a scan of the memmap, of the ballooned lists, of the free
 * lists) would show at 1 TiB.
 *
 * Each measured step is bracketed by CALLGRIND_TOGGLE_COLLECT and dumped
 * under its own name; bench.sh subtracts what the sim itself spent
 * (sim_populate, sim_decrease: the hypervisor's side) to give the guest's.
 *
 * Then memory hotplug: BB_HOTADD_BLOCKS memory blocks added (memmap on
 * the block, populated, onlined through the balloon's online_page hook) for
 * a target past what the guest has, and offlined and removed again on the
 * way back ("hotadd" / "hotremove"; per block). At 1 GiB they go above
 * RAM (the backend's hotplug_base); at 1 TiB into the boot map's RAM that
 * came up absent (no frames), the first blocks past the backed 6 GiB.
 */
#define _GNU_SOURCE
#include "../unit/sim_hypervisor.h"
#include "../unit/sim_mm.h"
#include <ballast/balloon.h>
#include <ballast/boot_mem_map.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/timer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

#ifndef BB_GUEST_GIB
#define BB_GUEST_GIB 1ULL
#endif
#ifndef BB_BACKED_GIB
#define BB_BACKED_GIB BB_GUEST_GIB
#endif
#ifndef BB_HOTADD_BLOCKS
#define BB_HOTADD_BLOCKS 8ULL
#endif
#ifndef BB_MOVE_MIB
#define BB_MOVE_MIB 256ULL
#endif

int console_loglevel = 0;
int unit_interrupt_after;

bool console_interrupted(void)
{
	return false;
}

/* The balloon times a target from its change to done; no clock here. */
u64 clock_ns(void)
{
	return 0;
}

/* mm's free page reporting defers its worker; no device registers here. */
void defer_call(struct deferred_call *d, u64 delay_ns, void (*fn)(void *),
		void *arg)
{
}

void defer_cancel(struct deferred_call *d)
{
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[1024];

	return kvsnprintf(buf, sizeof(buf), fmt, ap);
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

/* The sim reports a guest that broke the rules here: the bench is wrong. */
void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "balloon bench: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static u64 current_pages(void)
{
	struct balloon_stats st;

	balloon_get_stats(&st);
	return st.current;
}

/* One target, balloon_work until done; the part callgrind measures. */
static void step(const char *name, u64 target)
{
	u64 d, calls = sim.calls;

	if (balloon_set_target(target) < 0)
		panic("balloon bench: target %llu refused", (unsigned long long)target);
	CALLGRIND_TOGGLE_COLLECT;
	do
		d = balloon_work(0);
	while (d == BALLOON_AGAIN);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
	if (current_pages() != target)
		panic("balloon bench: %s: at %llu pages, target %llu", name,
		      (unsigned long long)current_pages(), (unsigned long long)target);
	struct balloon_stats st;

	balloon_get_stats(&st);
	printf("step %s calls=%llu blocks added=%llu removed=%llu now=%llu ballooned=%llu\n",
	       name, (unsigned long long)(sim.calls - calls),
	       (unsigned long long)st.blocks_added, (unsigned long long)st.blocks_removed,
	       (unsigned long long)st.blocks_now, (unsigned long long)st.ballooned);
}

int main(void)
{
	const u64 guest = BB_GUEST_GIB << 30, backed = BB_BACKED_GIB << 30;
	const u64 move = BB_MOVE_MIB << 20 >> PAGE_SHIFT;
	const u64 hot = BB_HOTADD_BLOCKS * PAGES_PER_SECTION;
	struct balloon_stats st;
	u64 s, e, adopted = 0, cur, added, removed, base;

	sim_mm_reset();
	bootmem_add_region(0, 640 << 10, E820_RAM);
	bootmem_add_region(640 << 10, (1 << 20) - (640 << 10), E820_RESERVED);
	bootmem_add_region(1 << 20, guest - (1 << 20), E820_RAM);
	bootmem_reserve(1 << 20, 2 << 20, "kernel");
	if (backed < guest && bootmem_offline_beyond(backed >> PAGE_SHIFT, "not backed"))
		panic("balloon bench: bootmem_offline_beyond");
	sim_mm_start();
	page_poisoning = false;
	sim_hv_init(37, 0);
	for (int i = 0; bootmem_offline_range(i, &s, &e); i++) {
		unsigned long pfn = PFN_DOWN(s), n = PFN_DOWN(e) - pfn;

		sim_hv_unback(pfn, n);
		if (balloon_adopt(pfn, n, BALLOON_ADOPT_UNBACKED))
			panic("balloon bench: balloon_adopt");
		adopted += n;
	}
	cur = current_pages();
	printf("guest %llu GiB, backed %llu GiB, adopted %llu pages, current %llu pages\n",
	       (unsigned long long)BB_GUEST_GIB, (unsigned long long)BB_BACKED_GIB,
	       (unsigned long long)adopted, (unsigned long long)cur);

	/* bench.sh runs callgrind with --instr-atstart=no: booting a 1 TiB
	 * guest (4 GiB of memmap) under full instrumentation takes too long */
	CALLGRIND_START_INSTRUMENTATION;
	step("down_huge", cur - move);
	step("up_huge", cur);
	/* The host refuses order 9 from here on. The balloon tries order 9
	 * again for every new target, so each step below starts with one
	 * batch of 2 MiB extents scrubbed (down) and refused: that is in the
	 * figures. (No warm-up round trip: at 1 TiB it would leave frames
	 * above SIM_MM_DIRECT_MAX free in the guest for the next scrub.) */
	sim.refuse_huge_decrease = sim.refuse_huge_populate = true;
	step("down_small", cur - move);
	step("up_small", cur);

	sim.refuse_huge_decrease = sim.refuse_huge_populate = false;
	sim.hotplug_base = guest;
	sim.max_pages += hot;
	/* What is still ballooned inside online blocks comes back first (not
	 * measured), so that the next step adds exactly BB_HOTADD_BLOCKS. */
	balloon_get_stats(&st);
	base = cur + st.ballooned;
	if (st.ballooned)
		step("refill", base);
	balloon_get_stats(&st);
	added = st.blocks_added;
	removed = st.blocks_removed;
	step("hotadd", base + hot - BB_HOTADD_BLOCKS * section_memmap_pages());
	step("hotremove", base);
	balloon_get_stats(&st);
	if (st.blocks_added - added != BB_HOTADD_BLOCKS ||
	    st.blocks_removed - removed != BB_HOTADD_BLOCKS)
		panic("balloon bench: %llu blocks added, %llu removed, not %llu",
		      (unsigned long long)(st.blocks_added - added),
		      (unsigned long long)(st.blocks_removed - removed),
		      (unsigned long long)BB_HOTADD_BLOCKS);

	CALLGRIND_STOP_INSTRUMENTATION;
	if (mm_check_consistency() || balloon_check_consistency())
		panic("balloon bench: consistency check failed");
	sim_hv_check();
	printf("MOVE=%llu GUEST_GIB=%llu BLOCKS=%llu\n", (unsigned long long)move,
	       (unsigned long long)BB_GUEST_GIB, (unsigned long long)BB_HOTADD_BLOCKS);
	return 0;
}
