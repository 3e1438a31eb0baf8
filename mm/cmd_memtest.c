/* `memtest`: allocate memory, write a pattern, verify it, free it. */
#include <ballast/shell.h>
#include <ballast/parse.h>
#include <ballast/console.h>
#include "internal.h"

static u64 pattern(phys_addr_t pa)
{
	return (pa * 0x9e3779b97f4a7c15ULL) ^ 0x5a5aa5a5c3c33c3cULL;
}

/* Allocate up to size, largest blocks first; chained through page->private. */
static u32 memtest_alloc(u64 size, u64 *got, unsigned long *blocks)
{
	u32 head = PFN_NONE;

	for (int order = MAX_ORDER; order >= 0 && *got < size;) {
		if ((PAGE_SIZE << order) > size - *got) {
			order--;
			continue;
		}
		struct page *p = alloc_pages(order);

		if (!p) {
			order--;
			continue;
		}
		p->private = head;
		head = (u32)page_to_pfn(p);
		*got += PAGE_SIZE << order;
		(*blocks)++;
	}
	return head;
}

/* Write the pattern to every block, Ctrl-C stopping; returns blocks written. */
static unsigned long memtest_write(u32 head)
{
	unsigned long n = 0;

	for (u32 pfn = head; pfn != PFN_NONE && !console_interrupted();
	     pfn = (u32)pfn_to_page(pfn)->private, n++) {
		struct page *p = pfn_to_page(pfn);
		u64 *w = page_address(p);
		u64 words = (PAGE_SIZE << p->order) / 8;

		for (u64 k = 0; k < words; k++)
			w[k] = pattern(PFN_PHYS(pfn) + k * 8);
	}
	return n;
}

/* Check the first `written` blocks (until Ctrl-C) and free them all. */
static u64 memtest_verify_free(u32 head, unsigned long written, u64 *tested)
{
	u64 bad = 0;

	for (u32 pfn = head; pfn != PFN_NONE;) {
		struct page *p = pfn_to_page(pfn);
		u64 *w = page_address(p);
		u64 words = (PAGE_SIZE << p->order) / 8;
		u32 next = (u32)p->private;

		if (written && !console_interrupted()) {
			written--;
			for (u64 k = 0; k < words; k++) {
				if (w[k] != pattern(PFN_PHYS(pfn) + k * 8) && bad++ < 8)
					printk("memtest: mismatch at 0x%llx\n",
					       (unsigned long long)(PFN_PHYS(pfn) + k * 8));
			}
			*tested += PAGE_SIZE << p->order;
		}
		p->private = 0;
		free_pages(p, p->order);
		pfn = next;
	}
	return bad;
}

static int cmd_memtest(int argc, char **argv)
{
	u64 size, got = 0, tested = 0, bad;
	unsigned long blocks = 0;
	int ret;

	if (argc != 2)
		return -EINVAL;
	ret = parse_size(argv[1], &size);
	if (ret) {
		printk("memtest: bad size %s: %s\n", argv[1], parse_error(ret));
		return -EINVAL;
	}
	if (!size || size > ALIGN_DOWN(~0ULL, PAGE_SIZE)) {
		printk("memtest: size %s: want 1 to 0x%llx bytes\n", argv[1],
		       (unsigned long long)ALIGN_DOWN(~0ULL, PAGE_SIZE));
		return -ERANGE;
	}
	size = ALIGN_UP(size, PAGE_SIZE);
	u32 head = memtest_alloc(size, &got, &blocks);

	bad = memtest_verify_free(head, memtest_write(head), &tested);
	if (tested < got) {
		printk("memtest: interrupted: %llu of %llu KiB allocated were verified (%llu bad words)\n",
		       (unsigned long long)(tested >> 10),
		       (unsigned long long)(got >> 10), (unsigned long long)bad);
		return bad ? -EIO : -EINTR;
	}
	if (!got) {
		printk("memtest: no memory could be allocated: nothing tested\n");
		return -ENOMEM;
	}
	printk("memtest: %llu KiB requested, %llu KiB tested in %lu blocks: %s (%llu bad words)\n",
	       (unsigned long long)(size >> 10), (unsigned long long)(got >> 10),
	       blocks, bad ? "FAILED" : "ok", (unsigned long long)bad);
	if (got < size)
		printk("memtest: only %llu of %llu KiB could be allocated\n",
		       (unsigned long long)(got >> 10), (unsigned long long)(size >> 10));
	return bad ? -EIO : got < size ? -ENOMEM : 0;
}
SHELL_COMMAND(memtest, "SIZE", "allocate SIZE, write a pattern, verify, free",
	      cmd_memtest);
