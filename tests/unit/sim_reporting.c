/* The simulated reporting device: see sim_reporting.h. */
#include "sim_reporting.h"
#include "sim_mm.h"
#include "sim_platform.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/timer.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <stdio.h>

#define CHUNK_ORDER REPORTING_ORDER
#define NCHUNKS ((unsigned long)(SIM_MM_MAX_PHYS >> (PAGE_SHIFT + CHUNK_ORDER)))

static u8 dropped[NCHUNKS];   /* 2 MiB chunks the host has */
static bool unback;           /* dropped chunks leave the direct map */

static struct sim_rep *of(struct page_reporting_dev *dev)
{
	return (struct sim_rep *)dev;
}

static void drop(const struct reported_block *b)
{
	unsigned long n = 1UL << b->order;

	memset(phys_to_virt(PFN_PHYS(b->pfn)), 0, n * PAGE_SIZE);
	if (unback)
		sim_mm_access(b->pfn, n, false);
	for (unsigned long c = b->pfn >> CHUNK_ORDER; c < (b->pfn + n) >> CHUNK_ORDER; c++)
		dropped[c] = 1;
}

static void finish(struct sim_rep *s, const struct reported_block *b,
		   unsigned int n, bool ok)
{
	if (ok)
		for (unsigned int i = 0; i < n; i++)
			drop(&b[i]);
	page_reporting_done(&s->dev, ok);
}

static int sim_report(struct page_reporting_dev *dev,
		      const struct reported_block *b, unsigned int n)
{
	struct sim_rep *s = of(dev);

	if (n == 0 || n > dev->capacity || s->nheld)
		panic("sim_report: %u blocks, capacity %u, %u held", n,
		      dev->capacity, s->nheld);
	for (unsigned int i = 0; i < n; i++) {
		const struct page *p = pfn_to_page(b[i].pfn);

		if (b[i].order < REPORTING_ORDER || b[i].order > MAX_ORDER ||
		    (b[i].pfn & ((1UL << b[i].order) - 1)) ||
		    p->type != PGTY_REPORTING || p->order != b[i].order)
			panic("sim_report: block %#lx order %u is %s order %u",
			      b[i].pfn, b[i].order, page_type_name(p), p->order);
		s->pages += 1UL << b[i].order;
	}
	s->reports++;
	s->blocks += n;
	if (n > s->max_batch)
		s->max_batch = n;
	switch (s->mode) {
	case SIM_REP_REFUSE:
		return -EIO;
	case SIM_REP_ACK:
	case SIM_REP_NACK:
		finish(s, b, n, s->mode == SIM_REP_ACK);
		return 0;
	case SIM_REP_HOLD:
		memcpy(s->held, b, n * sizeof(*b));
		s->nheld = n;
		return 0;
	}
	return -EINVAL;
}

void sim_rep_answer(struct sim_rep *s, bool ok)
{
	unsigned int n = s->nheld;

	if (!n)
		panic("sim_rep_answer: nothing held");
	s->nheld = 0;
	finish(s, s->held, n, ok);
}

static int sim_drain(struct page_reporting_dev *dev)
{
	struct sim_rep *s = of(dev);

	s->drains++;
	if (!s->nheld)
		return 0;
	if (!s->drain_answers)
		return -ETIMEDOUT;
	sim_clock_now += 3 * NSEC_PER_MSEC; /* the host takes its time */
	sim_rep_answer(s, true);
	return 0;
}

static int sim_reclaim(struct page_reporting_dev *dev, unsigned long pfn,
		       unsigned int order)
{
	struct sim_rep *s = of(dev);
	unsigned long n = 1UL << order;

	s->last_pfn = pfn;
	s->last_order = order;
	if (s->fail_reclaims) {
		s->fail_reclaims--;
		s->reclaim_failed++;
		s->failed_pfn = pfn;
		return -ENOMEM;
	}
	s->reclaims++;
	for (unsigned long c = pfn >> CHUNK_ORDER; c < (pfn + n) >> CHUNK_ORDER; c++) {
		if (!dropped[c])
			panic("sim_reclaim: %#lx order %u: chunk %#lx was not reported",
			      pfn, order, c << CHUNK_ORDER);
		dropped[c] = 0;
	}
	sim_mm_access(pfn, n, true);
	/* New frames: whatever the host has, not the guest's poison. */
	memset(phys_to_virt(PFN_PHYS(pfn)), 0, n * PAGE_SIZE);
	return 0;
}

void sim_rep_init(struct sim_rep *s, unsigned int capacity, bool reclaim)
{
	memset(s, 0, sizeof(*s));
	memset(dropped, 0, sizeof(dropped));
	unback = reclaim;
	s->dev.name = reclaim ? "sim-xen" : "sim-virtio";
	s->dev.capacity = capacity;
	s->dev.report = sim_report;
	s->dev.drain = sim_drain;
	s->dev.reclaim = reclaim ? sim_reclaim : NULL;
	s->drain_answers = true;
}

unsigned long sim_rep_dropped_pages(void)
{
	unsigned long n = 0;

	for (unsigned long c = 0; c < NCHUNKS; c++)
		n += dropped[c];
	return n << CHUNK_ORDER;
}

bool sim_rep_dropped(unsigned long pfn)
{
	return dropped[pfn >> CHUNK_ORDER];
}

/* The free block or block out for a report holding pfn, or NULL. */
static const struct page *block_of(unsigned long pfn)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		const struct page *p = pfn_to_page(pfn & ~((1UL << o) - 1));

		if ((p->type == PGTY_BUDDY || p->type == PGTY_REPORTING) &&
		    p->order >= o)
			return p;
		if (p->type != PGTY_FREE)
			return NULL;
	}
	return NULL;
}

const char *sim_rep_check(void)
{
	static char why[160];

	if (!unback)
		return "";
	for (unsigned long c = 0; c < NCHUNKS; c++) {
		if (!dropped[c])
			continue;
		unsigned long pfn = c << CHUNK_ORDER;
		const struct page *p = block_of(pfn);

		if (p && (p->type == PGTY_REPORTING || (p->flags & PG_reported)))
			continue;
		snprintf(why, sizeof(why), "dropped chunk %#lx is in %s",
			 pfn, p ? "an unreported free block" : page_type_name(pfn_to_page(pfn)));
		return why;
	}
	return "";
}

void sim_rep_run_for(u64 ns)
{
	for (u64 t = 0; t < ns; t += NSEC_PER_MSEC) {
		sim_clock_now += NSEC_PER_MSEC;
		run_deferred();
	}
}
