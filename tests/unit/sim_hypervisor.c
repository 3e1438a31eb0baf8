/* The simulated hypervisor: see sim_hypervisor.h. */
#define _GNU_SOURCE
#include "sim_hypervisor.h"
#include "unit.h"
#include <ballast/arch_mm.h>
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct sim_hv sim;
static struct sigaction old_segv;

static void violation(const char *fmt, ...) __printf(1, 2);
static void violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sim.what, sizeof(sim.what), fmt, ap);
	va_end(ap);
	sim.violations++;
	if (!sim.soft)
		unit_fail(__FILE__, __LINE__, "sim hypervisor: %s", sim.what);
}

/* A touch of a frame the guest has no right to is the end of the run. */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	if (a >= direct_map_base && a < direct_map_base + SIM_MM_DIRECT_MAX) {
		unsigned long pfn = (unsigned long)((a - direct_map_base) >> PAGE_SHIFT);
		char msg[160];
		int n = snprintf(msg, sizeof(msg),
				 "\nsim hypervisor: the guest touched pfn %#lx, which is %s\n",
				 pfn, sim.frame[pfn] == SIM_POD ? "a PoD entry nobody may touch" :
				 sim.frame[pfn] == SIM_UNBACKED ? "not backed (given back)" :
				 "backed (a sim_mm mapping fault?)");

		if (write(2, msg, (size_t)n) < 0)
			_exit(3);
		abort();
	}
	if (old_segv.sa_flags & SA_SIGINFO)
		old_segv.sa_sigaction(sig, si, ctx);
	else
		signal(SIGSEGV, SIG_DFL);
}

/* What the guest's direct map shows of frames it has mapped at all. */
static void set_access(unsigned long pfn, unsigned long n, bool ok)
{
	sim_mm_access(pfn, n, ok);
}

static bool frame_backed(unsigned long pfn)
{
	return sim.frame[pfn] == SIM_BACKED;
}

/* Frame states only; set_access follows for the whole range at once. */
static void set_states(unsigned long pfn, unsigned long n, enum sim_frame to)
{
	for (unsigned long i = 0; i < n; i++) {
		u8 *f = &sim.frame[pfn + i];

		sim.backed -= *f == SIM_BACKED;
		sim.pod -= *f == SIM_POD;
		*f = (u8)to;
		sim.backed += to == SIM_BACKED;
		sim.pod += to == SIM_POD;
	}
}

static void set_frames(unsigned long pfn, unsigned long n, enum sim_frame to)
{
	set_states(pfn, n, to);
	set_access(pfn, n, to == SIM_BACKED);
}

/* Fault injection shared by both calls: how many extents it may do. */
static unsigned long call_begin(unsigned long nr, unsigned int order)
{
	unsigned long limit = nr;

	sim.calls++;
	sim.last_nr = nr;
	sim.last_order = order;
	if (order <= BALLOON_HUGE_ORDER)
		sim.order_calls[order]++;
	if (sim.during) {
		void (*fn)(void) = sim.during;

		sim.during = NULL;
		fn();
	}
	if (sim.stop_after >= 0 && (unsigned long)sim.stop_after < nr)
		limit = (unsigned long)sim.stop_after;
	sim.stop_after = -1;
	return limit;
}

static void call_end(unsigned long done)
{
	sim.last_done = done;
	if (done && sim.last_nr > sim.max_extents)
		sim.max_extents = sim.last_nr;
}

static bool frames_in(unsigned long pfn, unsigned long n, enum sim_frame st)
{
	for (unsigned long i = 0; i < n; i++)
		if (sim.frame[pfn + i] != st)
			return false;
	return true;
}

static long sim_populate(const unsigned long *pfns, unsigned long nr,
			 unsigned int order)
{
	unsigned long n = 1UL << order, limit, i;

	if (sim.fail_next) {
		int err = sim.fail_errno ? sim.fail_errno : EFAULT;

		sim.fail_next = false;
		sim.fail_errno = 0;
		sim.calls++;
		return -err;
	}
	limit = call_begin(nr, order);
	for (i = 0; i < limit; i++) {
		unsigned long pfn = pfns[i];

		if (order > BALLOON_HUGE_ORDER || (pfn & (n - 1)) ||
		    pfn + n > SIM_NPFN)
			break;
		if (order && sim.refuse_huge_populate)
			break;
		if (!frames_in(pfn, n, SIM_UNBACKED)) {
			violation("populate of pfn %#lx order %u: a frame is already backed",
				  pfn, order);
			break;
		}
		if (sim.tot_pages + n > sim.max_pages || sim.free_frames < n)
			break;
		set_frames(pfn, n, SIM_BACKED);
		/* New frames hold whatever the host left there. */
		if (sim_mm_frame(PFN_PHYS(pfn))) /* frames past the window: no bytes */
			memset(sim_mm_frame(PFN_PHYS(pfn)), 0xdb, n * PAGE_SIZE);
		sim.tot_pages += n;
		sim.free_frames -= n;
		sim.populated += n;
		sim.huge_populated += order != 0;
	}
	call_end(i);
	return (long)i;
}

/* Zero, or still the host's own fill: nothing of the guest's in it. */
static bool zeroed(unsigned long pfn)
{
	const u64 *w = sim_mm_frame(PFN_PHYS(pfn));
	u64 first;

	if (!w)
		return true; /* past the window: the bench keeps no bytes there */
	first = w[0];

	if (first != 0 && first != 0xdbdbdbdbdbdbdbdbULL)
		return false;
	for (unsigned long k = 0; k < PAGE_SIZE / 8; k++)
		if (w[k] != first)
			return false;
	return true;
}

/* Give one frame back; false (and a violation) if the guest may not. */
static bool release_frame(unsigned long pfn)
{
	switch (sim.frame[pfn]) {
	case SIM_POD: /* never touched: costs nothing, needs no scrub */
		set_states(pfn, 1, SIM_UNBACKED);
		sim.pod_released++;
		return true;
	case SIM_BACKED:
		if (!sim.discards && !zeroed(pfn)) {
			violation("release of pfn %#lx: its contents were not scrubbed", pfn);
			return false;
		}
		set_states(pfn, 1, SIM_UNBACKED);
		sim.tot_pages--;
		if (sim.free_frames != ~0ULL)
			sim.free_frames++;
		sim.released++;
		return true;
	default:
		violation("release of pfn %#lx: not backed", pfn);
		return false;
	}
}

static long sim_decrease(const unsigned long *pfns, unsigned long nr,
			 unsigned int order)
{
	unsigned long n = 1UL << order, limit, i, k;

	if (sim.fail_next) {
		sim.fail_next = false;
		sim.calls++;
		return -EFAULT;
	}
	limit = call_begin(nr, order);
	for (i = 0; i < limit; i++) {
		unsigned long pfn = pfns[i];

		if (order > BALLOON_HUGE_ORDER || (pfn & (n - 1)) ||
		    pfn + n > SIM_NPFN || (order && sim.refuse_huge_decrease))
			break;
		for (k = 0; k < n; k++)
			if (!release_frame(pfn + k))
				break;
		if (k)
			set_access(pfn, k, false);
		if (k < n) /* a violation, already counted */
			break;
		sim.huge_released += order != 0;
	}
	call_end(i);
	return (long)i;
}

static u64 sim_max_pages(void)
{
	return sim.max_pages;
}

static u64 sim_current_pages(void)
{
	return sim.tot_pages;
}

static u64 sim_hotplug_base(void)
{
	return sim.hotplug_base;
}

const struct balloon_backend sim_backend = {
	.name = "sim",
	/* Behaves as Xen does (tests/unit/sim_virtio.c is the other host). */
	.scrub = true,
	.max_order = BALLOON_HUGE_ORDER,
	.host_limit = true,
	.tell_before_reuse = true,
	.pfn_shift = PAGE_SHIFT,
	.hotplug_base = sim_hotplug_base,
	.populate = sim_populate,
	.decrease = sim_decrease,
	.max_pages = sim_max_pages,
	.current_pages = sim_current_pages,
};

void sim_hv_init(u64 extra, u64 headroom)
{
	u64 s, e;

	static bool handler_installed;

	if (!handler_installed) {
		struct sigaction sa;

		handler_installed = true;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, &old_segv);
	}
	memset(&sim, 0, sizeof(sim));
	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		for (unsigned long pfn = PFN_UP(s); pfn < PFN_DOWN(e); pfn++)
			sim.frame[pfn] = SIM_BACKED;
	for (unsigned long pfn = 0; pfn < SIM_NPFN; pfn++)
		sim.backed += sim.frame[pfn] == SIM_BACKED;
	sim.extra = extra;
	sim.tot_pages = sim.backed + extra;
	sim.max_pages = sim.tot_pages + headroom;
	sim.free_frames = ~0ULL;
	sim.stop_after = -1;
	sim_mm_backed = frame_backed;
	balloon_reset_for_test();
	if (balloon_register_backend(&sim_backend))
		unit_fail(__FILE__, __LINE__, "cannot register the sim backend");
}

void sim_hv_unback(unsigned long pfn, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (sim.frame[pfn + i] != SIM_BACKED)
			unit_fail(__FILE__, __LINE__, "sim_hv_unback: pfn %#lx", pfn + i);
	set_frames(pfn, n, SIM_UNBACKED);
	sim.tot_pages -= n;
}

void sim_hv_make_pod(unsigned long pfn, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (sim.frame[pfn + i] != SIM_BACKED)
			unit_fail(__FILE__, __LINE__, "sim_hv_make_pod: pfn %#lx", pfn + i);
	/* A PoD entry is not a frame: the host does not count it. */
	set_frames(pfn, n, SIM_POD);
	sim.tot_pages -= n;
}

void sim_hv_check(void)
{
	u64 backed = 0, pod = 0;

	for (unsigned long pfn = 0; pfn < SIM_NPFN; pfn++) {
		backed += sim.frame[pfn] == SIM_BACKED;
		pod += sim.frame[pfn] == SIM_POD;
	}
	if (backed != sim.backed || pod != sim.pod ||
	    sim.tot_pages != sim.backed + sim.extra)
		unit_fail(__FILE__, __LINE__,
			  "sim: backed %llu (counted %llu) pod %llu (counted %llu) tot %llu extra %llu",
			  (unsigned long long)backed, (unsigned long long)sim.backed,
			  (unsigned long long)pod, (unsigned long long)sim.pod,
			  (unsigned long long)sim.tot_pages, (unsigned long long)sim.extra);
}
