/*
 * memhold: take order-0 pages from the allocator and keep them, so a person
 * (or a boot test) can see offlining refuse a block with pages in use, and
 * see it succeed once they are released. The held pages form a list through
 * their own memory: each stores the address of the next.
 */
#include <ballast/arch_mm.h>
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/parse.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>

static void *held;          /* newest held page */
static unsigned long nheld;

static void hold(u64 pages)
{
	u64 lo = ~0ULL, hi = 0, got = 0;

	for (; got < pages; got++) {
		if (got % 4096 == 0 && console_interrupted())
			break;
		void **p = alloc_pages_virt(0);
		if (!p)
			break;
		*p = held;
		held = p;
		lo = MIN(lo, (u64)virt_to_phys(p));
		hi = MAX(hi, (u64)virt_to_phys(p));
	}
	nheld += got;
	if (got)
		printk("memhold: holding %llu more pages (pfn %#llx-%#llx), %lu in all\n",
		       (unsigned long long)got, (unsigned long long)PFN_DOWN(lo),
		       (unsigned long long)PFN_DOWN(hi), nheld);
	if (got < pages)
		printk("memhold: %s after %llu of %llu pages\n",
		       console_interrupted() ? "interrupted" : "allocator ran out",
		       (unsigned long long)got, (unsigned long long)pages);
}

static void release(void)
{
	unsigned long n = nheld;

	while (held) {
		void *next = *(void **)held;
		free_pages_virt(held, 0);
		held = next;
	}
	nheld = 0;
	printk("memhold: released %lu pages\n", n);
}

static int cmd_memhold(int argc, char **argv)
{
	u64 size;
	int err;

	if (argc == 1) {
		printk("memhold: %lu pages held\n", nheld);
		return 0;
	}
	if (argc != 2)
		return -EINVAL;
	if (strcmp(argv[1], "release") == 0) {
		release();
		return 0;
	}
	err = parse_size(argv[1], &size);
	if (err || size == 0 || size % PAGE_SIZE) {
		printk("memhold: bad size '%s': %s\n", argv[1],
		       err ? parse_error(err) : "want a non-zero multiple of 4K");
		return -EINVAL;
	}
	hold(size / PAGE_SIZE);
	return 0;
}
SHELL_COMMAND(memhold, "SIZE | release",
	      "allocate and keep pages (to see offlining refuse), or release them",
	      cmd_memhold);
