/* Helpers shared by the memory hotplug tests: see mm_fixture.h. */
#include "unit.h"
#include "sim_mm.h"
#include "mm_fixture.h"
#include <ballast/errno.h>
#include <ballast/memory.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <stdlib.h>

struct mm_stats mmt_stats(void)
{
	struct mm_stats st;

	drain_all_pages();
	mm_get_stats(&st);
	return st;
}

void mmt_boot(void)
{
	CHECK(SECTION_SIZE * 4 <= (2UL << 20) / sizeof(struct page) * PAGE_SIZE ||
	      SECTION_SIZE_MB != 128);
	sim_mm_boot_default();
	page_poisoning = true;
}

struct pstate *mmt_snap(unsigned long pfn, unsigned long n)
{
	struct pstate *s = malloc(n * sizeof(*s));

	for (unsigned long i = 0; i < n; i++) {
		struct page *p = pfn_to_page(pfn + i);

		s[i] = (struct pstate){ p->type, p->order, p->flags, p->refcount };
	}
	return s;
}

bool mmt_same(const struct pstate *s, unsigned long pfn, unsigned long n)
{
	struct pstate *t = mmt_snap(pfn, n);
	bool ok = memcmp(s, t, n * sizeof(*s)) == 0;

	free(t);
	return ok;
}

struct page *mmt_alloc_in_block(unsigned long nr)
{
	u32 head = PFN_NONE;
	struct page *p, *got = NULL;

	while ((p = alloc_page())) {
		if (pfn_to_section_nr(page_to_pfn(p)) == nr) {
			got = p;
			break;
		}
		p->private = head;
		head = (u32)page_to_pfn(p);
	}
	while (head != PFN_NONE) {
		p = pfn_to_page(head);
		head = (u32)p->private;
		p->private = 0;
		free_page(p);
	}
	return got;
}
