/*
 * memhold: take order-0 pages from the allocator and keep them, so a person
 * (or a boot test) can see offlining refuse a block with pages in use, and
 * see it succeed once they are released. The held pages form a list through
 * their own memory: each stores the address of the next.
 *
 * With --pattern the rest of each page is filled with words derived from
 * its pfn and a seed, and the page goes on a list of its own, which
 * `memhold check` reads back: a test that memory survives what the
 * platform does under it (a Xen save and restore, a migration, the balloon
 * working around it) byte for byte.
 */
#include <ballast/arch_mm.h>
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/parse.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>
#include <ballast/timer.h>

static void *held;          /* newest held page */
static unsigned long nheld;
static void *patterned;     /* newest patterned page */
static unsigned long npatterned;
static u64 seed;            /* chosen at the first --pattern */

#define WORDS (PAGE_SIZE / sizeof(u64))

/* Word i (from 1; word 0 is the list link) of the page at pfn. */
static u64 pattern_word(u64 pfn, unsigned i)
{
	u64 x = (pfn << 12 | i) ^ seed;

	/* a 64-bit mix (splitmix-style): neighbours differ in every bit */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void pattern_fill(void *page)
{
	u64 *w = page, pfn = PFN_DOWN(virt_to_phys(page));

	for (unsigned i = 1; i < WORDS; i++)
		w[i] = pattern_word(pfn, i);
}

/* Mismatching words of one page (0: it is as it was written). */
static unsigned pattern_bad_words(const void *page)
{
	const u64 *w = page;
	u64 pfn = PFN_DOWN(virt_to_phys(page));
	unsigned bad = 0;

	for (unsigned i = 1; i < WORDS; i++)
		bad += w[i] != pattern_word(pfn, i);
	return bad;
}

static void hold(u64 pages, bool pattern)
{
	void **list = pattern ? &patterned : &held;
	u64 lo = ~0ULL, hi = 0, got = 0;

	if (pattern && !seed)
		seed = clock_ns() | 1;
	for (; got < pages; got++) {
		if (got % 4096 == 0 && console_interrupted())
			break;
		void **p = alloc_pages_virt(0);
		if (!p)
			break;
		*p = *list;
		*list = p;
		if (pattern)
			pattern_fill(p);
		lo = MIN(lo, (u64)virt_to_phys(p));
		hi = MAX(hi, (u64)virt_to_phys(p));
	}
	nheld += got;
	if (pattern)
		npatterned += got;
	if (got)
		printk("memhold: holding %llu more pages (pfn %#llx-%#llx), %lu in all\n",
		       (unsigned long long)got, (unsigned long long)PFN_DOWN(lo),
		       (unsigned long long)PFN_DOWN(hi), nheld);
	if (got < pages)
		printk("memhold: %s after %llu of %llu pages\n",
		       console_interrupted() ? "interrupted" : "allocator ran out",
		       (unsigned long long)got, (unsigned long long)pages);
}

static void free_list(void **list)
{
	while (*list) {
		void *next = *(void **)*list;
		free_pages_virt(*list, 0);
		*list = next;
	}
}

static void release(void)
{
	unsigned long n = nheld;

	free_list(&held);
	free_list(&patterned);
	nheld = npatterned = 0;
	printk("memhold: released %lu pages\n", n);
}

/* Read every patterned page back; name the first few that differ. */
static void check(void)
{
	unsigned long pages = 0, bad_pages = 0, bad_words = 0;

	for (void *p = patterned; p; p = *(void **)p, pages++) {
		unsigned bad = pattern_bad_words(p);

		if (!bad)
			continue;
		if (bad_pages++ < 8)
			printk("memhold: pfn %#llx: %u of %lu words differ\n",
			       (unsigned long long)PFN_DOWN(virt_to_phys(p)),
			       bad, (unsigned long)(WORDS - 1));
		bad_words += bad;
	}
	printk("memhold check: %lu pages checked, %lu mismatches (%lu words)\n",
	       pages, bad_pages, bad_words);
}

static int cmd_memhold(int argc, char **argv)
{
	u64 size;
	int err;

	bool pattern = argc == 3 && strcmp(argv[2], "--pattern") == 0;

	if (argc == 1) {
		printk("memhold: %lu pages held, %lu with a pattern\n", nheld,
		       npatterned);
		return 0;
	}
	if (argc != 2 && !pattern)
		return -EINVAL;
	if (argc == 2 && strcmp(argv[1], "release") == 0) {
		release();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "check") == 0) {
		check();
		return 0;
	}
	err = parse_size(argv[1], &size);
	if (err || size == 0 || size % PAGE_SIZE) {
		printk("memhold: bad size '%s': %s\n", argv[1],
		       err ? parse_error(err) : "want a non-zero multiple of 4K");
		return -EINVAL;
	}
	hold(size / PAGE_SIZE, pattern);
	return 0;
}
SHELL_COMMAND(memhold, "SIZE [--pattern] | check | release",
	      "allocate and keep pages (to see offlining refuse; --pattern: "
	      "filled for `check`), or release them",
	      cmd_memhold);
