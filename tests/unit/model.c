/* What the randomized model tests share: see model.h. */
#include "model.h"
#include "sim_mm.h"
#include <ballast/balloon.h>
#include <ballast/boot_mem_map.h>
#include <ballast/mm.h>
#include <stdlib.h>

struct model_run model;
struct held_set model_held;

void model_start(const char *name, unsigned long seed, u64 rng)
{
	model = (struct model_run){ .name = name, .seed = seed, .rng = rng };
}

struct model_seeds model_seeds(const char *env, unsigned long n)
{
	const char *v = getenv(env);

	if (v)
		return (struct model_seeds){ strtoul(v, NULL, 0), 1 };
	return (struct model_seeds){ 1, n };
}

void model_where(void)
{
	printf("    %s: seed %lu step %lu%s%s\n", model.name, model.seed,
	       model.step, model.op ? " op " : "", model.op ? model.op : "");
}

u64 model_rnd(void)
{
	model.rng ^= model.rng << 13;
	model.rng ^= model.rng >> 7;
	model.rng ^= model.rng << 17;
	return model.rng;
}

u64 model_below(u64 n)
{
	return n ? model_rnd() % n : 0;
}

void model_boot_mm(u64 ram_end)
{
	sim_mm_reset();
	bootmem_add_region(0, 640 << 10, E820_RAM);
	bootmem_add_region(1 << 20, ram_end - (1 << 20), E820_RAM);
	bootmem_reserve(1 << 20, 2 << 20, "kernel");
	sim_mm_start();
	page_poisoning = model.seed & 1;
}

void model_balloon_work(u64 *now)
{
	u64 d = balloon_work(*now);

	if (d > BALLOON_AGAIN && model_rnd() % 4 == 0)
		*now += d;
}

void model_held_init(unsigned long npfn, bool map)
{
	model_held = (struct held_set){
		.blk = calloc(npfn, sizeof(*model_held.blk)),
		.map = map ? calloc(npfn, 1) : NULL,
		.npfn = npfn,
	};
	CHECK(model_held.blk && (model_held.map || !map));
}

void model_held_exit(void)
{
	free(model_held.blk);
	free(model_held.map);
	model_held = (struct held_set){ 0 };
}

void model_held_reset(void)
{
	model_held.n = model_held.pages = 0;
	if (model_held.map)
		memset(model_held.map, 0, model_held.npfn);
}

static void hold(struct page *p, unsigned int order)
{
	unsigned long pfn = page_to_pfn(p);
	struct held_set *h = &model_held;

	CHECK(h->n < h->npfn && pfn + (1UL << order) <= h->npfn);
	h->blk[h->n++] = (struct held_blk){ (u32)pfn, (u8)order };
	h->pages += 1UL << order;
	if (h->map)
		memset(h->map + pfn, 1, 1UL << order);
}

void model_held_alloc(const u8 *orders, unsigned int n)
{
	unsigned int order = orders[model_below(n)];
	struct page *p = alloc_pages(order);

	if (p)
		hold(p, order);
}

void model_held_free(void)
{
	struct held_set *h = &model_held;

	if (!h->n)
		return;
	unsigned long i = model_below(h->n);
	struct held_blk b = h->blk[i];

	h->blk[i] = h->blk[--h->n];
	h->pages -= 1UL << b.order;
	if (h->map)
		memset(h->map + b.pfn, 0, 1UL << b.order);
	free_pages(pfn_to_page(b.pfn), b.order);
}

static void run_seed(const struct model_def *d, unsigned long s)
{
	model_start(d->name, s, d->rng_mul * (s + d->rng_add));
	d->boot();
	for (model.step = 0; model.step < d->steps; model.step++) {
		unsigned int r = (unsigned int)model_below(1000);

		for (unsigned int i = 0; i < d->nops; i++) {
			const struct model_op *o = &d->ops[i];
			bool over = o->over && model_held.pages > o->over;

			if (r < (over ? o->below_over : o->below)) {
				o->fn();
				if (o->nop >= 0)
					model.nops[o->nop]++;
				break;
			}
		}
		d->check_counters();
		if (model.step % d->full_every == 0)
			d->check_pages();
	}
	d->finish();
}

void model_run(const struct model_def *d)
{
	struct model_seeds seeds = model_seeds(d->env, d->nseeds);
	u64 total = 0;

	model_held_init(d->npfn, d->held_map);
	for (unsigned long s = seeds.first; s < seeds.first + seeds.n; s++) {
		run_seed(d, s);
		total += d->steps;
		d->summary();
	}
	printf("    %s: %llu steps in all (%s=N reruns one seed)\n", d->name,
	       (unsigned long long)total, d->env);
	model_held_exit();
}
