/*
 * The boot memory map: kept exactly as the loader gave it, so `e820` can show
 * what was found; mem= is applied by clipping what mm may use, not by
 * rewriting the map.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/printk.h>

struct boot_mem_map boot_mem_map = { .mem_limit = ~0ULL,
				     .limit_reason = "mem=" };

int bootmem_add_region(u64 start, u64 size, u32 type)
{
	struct boot_mem_map *m = &boot_mem_map;

	if (size == 0)
		return -EINVAL;
	if (start + size < start)
		return -ERANGE;
	if (m->nr == BOOT_MEM_MAX)
		return -ENOSPC;
	/* Keep the map sorted by start: loaders usually are, not always. */
	int i = m->nr++;
	while (i > 0 && m->r[i - 1].start > start) {
		m->r[i] = m->r[i - 1];
		i--;
	}
	m->r[i] = (struct mem_region){ start, size, type };
	return 0;
}

int bootmem_reserve(u64 start, u64 size, const char *what)
{
	struct boot_mem_map *m = &boot_mem_map;

	if (m->nr_reserved == BOOT_RESERVE_MAX)
		return -ENOSPC;
	m->resv[m->nr_reserved++] = (struct boot_reserve){ start, size, what };
	return 0;
}

int bootmem_set_offline(u64 start, u64 size, const char *what)
{
	struct boot_mem_map *m = &boot_mem_map;

	if (!size || start + size < start)
		return -EINVAL;
	if (m->nr_offline == BOOT_OFFLINE_MAX)
		return -ENOSPC;
	m->offline[m->nr_offline++] = (struct boot_reserve){ start, size, what };
	return 0;
}

/* Clip [s, e) to usable RAM range k; false when nothing is left. */
static bool clip_to_ram(u64 *s, u64 *e)
{
	u64 rs, re;

	for (int k = 0; bootmem_ram_range(k, &rs, &re); k++) {
		if (*s < re && *e > rs) {
			*s = MAX(*s, rs);
			*e = MIN(*e, re);
			return true;
		}
	}
	return false;
}

bool bootmem_offline_range(int i, u64 *start, u64 *end)
{
	const struct boot_mem_map *m = &boot_mem_map;

	if (i < 0 || i >= m->nr_offline)
		return false;
	*start = ALIGN_UP(m->offline[i].start, PAGE_SIZE);
	*end = ALIGN_DOWN(m->offline[i].start + m->offline[i].size, PAGE_SIZE);
	if (*end <= *start || !clip_to_ram(start, end))
		*start = *end = 0; /* nothing usable: an empty range */
	return true;
}

void bootmem_apply_limit(u64 limit)
{
	struct boot_mem_map *m = &boot_mem_map;

	m->mem_limit = limit;
	m->ignored_ram = 0;
	for (int i = 0; i < m->nr; i++) {
		const struct mem_region *r = &m->r[i];
		u64 end = r->start + r->size;

		if (r->type != E820_RAM || end <= limit)
			continue;
		m->ignored_ram += end - MAX(r->start, limit);
	}
}

int bootmem_offline_beyond(u64 pages, const char *what)
{
	u64 s, e;
	int err = 0;

	for (int i = 0; bootmem_ram_range(i, &s, &e) && !err; i++) {
		u64 n = (e - s) >> PAGE_SHIFT;

		if (n <= pages) {
			pages -= n;
			continue;
		}
		s += pages << PAGE_SHIFT;
		pages = 0;
		err = bootmem_set_offline(s, e - s, what);
	}
	return err;
}

/* The i-th RAM region clipped to limit, page aligned inward. */
static bool ram_range_below(int i, u64 limit, u64 *start, u64 *end)
{
	const struct boot_mem_map *m = &boot_mem_map;
	int seen = 0;

	for (int k = 0; k < m->nr; k++) {
		const struct mem_region *r = &m->r[k];
		u64 s = ALIGN_UP(r->start, PAGE_SIZE);
		u64 e = ALIGN_DOWN(MIN(r->start + r->size, limit), PAGE_SIZE);

		if (r->type != E820_RAM || e <= s)
			continue;
		if (seen++ == i) {
			*start = s;
			*end = e;
			return true;
		}
	}
	return false;
}

bool bootmem_ram_range(int i, u64 *start, u64 *end)
{
	return ram_range_below(i, boot_mem_map.mem_limit, start, end);
}

unsigned long bootmem_ram_pages(unsigned long pfn, unsigned long end)
{
	unsigned long n = 0;
	u64 s, e;

	for (int i = 0; bootmem_ram_range(i, &s, &e); i++) {
		unsigned long a = MAX(pfn, PFN_DOWN(s)), b = MIN(end, PFN_DOWN(e));

		n += b > a ? b - a : 0;
	}
	return n;
}

u64 bootmem_map_top(void)
{
	u64 top = 0;

	for (int i = 0; i < boot_mem_map.nr; i++)
		top = MAX(top, boot_mem_map.r[i].start + boot_mem_map.r[i].size);
	return top;
}

/* The first offline range overlapping [s, e), page aligned outward. */
static bool first_offline(u64 s, u64 e, u64 *os, u64 *oe)
{
	const struct boot_mem_map *m = &boot_mem_map;
	bool found = false;

	for (int k = 0; k < m->nr_offline; k++) {
		u64 a = ALIGN_DOWN(m->offline[k].start, PAGE_SIZE);
		u64 b = ALIGN_UP(m->offline[k].start + m->offline[k].size, PAGE_SIZE);

		if (a < e && b > s && (!found || a < *os)) {
			*os = a;
			*oe = b;
			found = true;
		}
	}
	return found;
}

bool bootmem_hotplug_range(int i, u64 *start, u64 *end)
{
	u64 s, e;
	int seen = 0;

	/* RAM regions without mem=, cut around the offline ranges. */
	for (int k = 0; ram_range_below(k, ~0ULL, &s, &e); k++) {
		u64 cur = s, os = 0, oe = 0;

		while (cur < e) {
			u64 stop = e, next = e;

			if (first_offline(cur, e, &os, &oe)) {
				stop = MAX(os, cur);
				next = oe;
			}
			if (stop > cur && seen++ == i) {
				*start = cur;
				*end = stop;
				return true;
			}
			cur = next;
		}
	}
	return false;
}

const char *e820_type_name(u32 type)
{
	switch (type) {
	case E820_RAM:
		return "usable";
	case E820_RESERVED:
		return "reserved";
	case E820_ACPI:
		return "ACPI data";
	case E820_NVS:
		return "ACPI NVS";
	case E820_UNUSABLE:
		return "unusable";
	default:
		return "unknown";
	}
}

void bootmem_print(void)
{
	const struct boot_mem_map *m = &boot_mem_map;
	u64 ram = 0;

	for (int i = 0; i < m->nr; i++) {
		const struct mem_region *r = &m->r[i];
		u64 end = r->start + r->size;
		const char *note = "";

		if (r->type == E820_RAM) {
			ram += r->size;
			if (r->start >= m->mem_limit)
				note = " (ignored)";
			else if (end > m->mem_limit)
				note = " (partly ignored)";
		}
		printk("  [mem %#018llx-%#018llx] %-9s %8llu KiB%s\n",
		       (unsigned long long)r->start,
		       (unsigned long long)(end - 1), e820_type_name(r->type),
		       (unsigned long long)(r->size >> 10), note);
	}
	printk("  RAM found: %llu KiB", (unsigned long long)(ram >> 10));
	if (m->mem_limit != ~0ULL)
		printk(", limit %#llx (%s), ignored: %llu KiB",
		       (unsigned long long)m->mem_limit, m->limit_reason,
		       (unsigned long long)(m->ignored_ram >> 10));
	printk("\n");
	for (int i = 0; i < m->nr_reserved; i++)
		printk("  reserved %#llx-%#llx %s\n",
		       (unsigned long long)m->resv[i].start,
		       (unsigned long long)(m->resv[i].start + m->resv[i].size - 1),
		       m->resv[i].what);
	for (int i = 0; i < m->nr_offline; i++)
		printk("  offline  %#llx-%#llx %s\n",
		       (unsigned long long)m->offline[i].start,
		       (unsigned long long)(m->offline[i].start + m->offline[i].size - 1),
		       m->offline[i].what);
}
