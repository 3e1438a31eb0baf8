/*
 * What the randomized model tests (test_*_model.c) share: the run a
 * failure names (model, seed, step, op) so that it can be rerun, failure
 * macros that print it, a seeded xorshift generator, mm's boot on a small
 * PC, balloon_work on a clock that jumps now and then, and the set of
 * blocks the guest allocated and holds.
 */
#ifndef MODEL_H
#define MODEL_H

#include "unit.h"
#include <ballast/page.h>

struct model_run {
	const char *name;         /* "balloon model", printed on failure */
	const char *op;           /* the step's operation, or NULL */
	unsigned long seed, step;
	u64 rng;                  /* model_rnd's state */
	u64 nops[16];             /* per-seed op counts (model_run's ops) */
};
extern struct model_run model;

/* A new run of `name` for seed `seed`, the generator started at `rng`. */
void model_start(const char *name, unsigned long seed, u64 rng);
/* The seeds a test runs: first..first+n-1, 1..n unless $env names one
 * seed to rerun alone. */
struct model_seeds { unsigned long first, n; };
struct model_seeds model_seeds(const char *env, unsigned long n);
/* Prints the run (name, seed, step, op): the line before a failure. */
void model_where(void);

#define MFAIL(...)                                                           \
	do {                                                                 \
		model_where();                                               \
		unit_fail(__FILE__, __LINE__, __VA_ARGS__);                  \
	} while (0)
#define MCHECK(c)                                                            \
	do {                                                                 \
		if (!(c))                                                    \
			MFAIL("MCHECK(%s)", #c);                             \
	} while (0)
/* b is what the model expects. */
#define MCHECK_EQ(a, b)                                                      \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		if (_a != _b)                                                \
			MFAIL("%s == %lld, %s == %lld", #a, _a, #b, _b);     \
	} while (0)

/* xorshift64 (13, 7, 17) over model.rng. */
u64 model_rnd(void);
/* Uniform enough in [0, n); 0 when n is 0. */
u64 model_below(u64 n);

/* mm booted on a small PC: RAM at [0, 640 KiB) and [1 MiB, ram_end), the
 * kernel at 1-3 MiB; page poisoning on odd seeds (mm then checks its free
 * pages). */
void model_boot_mm(u64 ram_end);

/* One balloon_work at *now; one time in four the delay it asks for (if
 * any) passes on *now. */
void model_balloon_work(u64 *now);

/* The blocks the guest holds, in no order; map (when kept) says per pfn
 * whether the guest holds it (nonzero), so that a page walk can check it. */
struct held_set {
	struct held_blk { u32 pfn; u8 order; } *blk;
	unsigned long n, pages;   /* blocks, and the pages in them */
	u8 *map;                  /* npfn bytes, or NULL */
	unsigned long npfn;
};
extern struct held_set model_held;

/* Room for npfn pfns' blocks, and the per-pfn map if `map`. */
void model_held_init(unsigned long npfn, bool map);
void model_held_exit(void);
/* Nothing held (a new boot). */
void model_held_reset(void);
/* Allocates a block of an order picked from orders[n] and holds it (when
 * the allocator has one). */
void model_held_alloc(const u8 *orders, unsigned int n);
/* Frees a held block picked at random (if any). */
void model_held_free(void);

/*
 * A model test's run (model_run): per seed, a new run, a boot, then each
 * step one op picked by r = model_below(1000), the first in ops[] with r
 * below its `below`, counted in model.nops[nop] (nop < 0: not counted);
 * an op with `over` set has `below_over` in place of `below` while the
 * guest holds more than `over` pages. After every step check_counters,
 * every full_every steps (from step 0) check_pages; after the last step
 * finish, then summary prints the seed's line.
 */
struct model_op {
	void (*fn)(void);
	int nop;
	unsigned int below;
	unsigned long over;
	unsigned int below_over;
};
struct model_def {
	const char *name;         /* "virtio model" */
	const char *env;          /* the variable that reruns one seed */
	unsigned long nseeds, steps, full_every;
	u64 rng_mul, rng_add;     /* seed s starts at rng_mul * (s + rng_add) */
	unsigned long npfn;       /* model_held_init(npfn, held_map) */
	bool held_map;
	const struct model_op *ops;
	unsigned int nops;
	void (*boot)(void);
	void (*check_counters)(void);
	void (*check_pages)(void);
	void (*finish)(void);
	void (*summary)(void);
};
/* Runs def's seeds, then prints the steps run in all. */
void model_run(const struct model_def *def);

#endif
