/*
 * The boot memory map: kept exactly as the loader gave it, so `e820` can show
 * what was found; mem= is applied by clipping what mm may use, not by
 * rewriting the map.
 */
#include <ballast/bootmem.h>
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

void bootmem_limit_pages(u64 pages, const char *reason)
{
	u64 s, e;

	for (int i = 0; bootmem_ram_range(i, &s, &e); i++) {
		u64 n = (e - s) >> PAGE_SHIFT;
		if (n >= pages) {
			bootmem_apply_limit(s + (pages << PAGE_SHIFT));
			boot_mem_map.limit_reason = reason;
			boot_mem_map.unbacked_from = boot_mem_map.mem_limit;
			return;
		}
		pages -= n;
	}
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

bool bootmem_hotplug_range(int i, u64 *start, u64 *end)
{
	u64 limit = boot_mem_map.unbacked_from ? boot_mem_map.unbacked_from : ~0ULL;

	return ram_range_below(i, limit, start, end);
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
}
