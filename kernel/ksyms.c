/*
 * Address to "function+0xoff" for backtraces, from the table kernel/ksyms.sh
 * builds at link time (absent in the first link pass: then no names).
 */
#include <ballast/ksyms.h>

struct ksym {
	u64 addr;
	const char *name;
};

extern const struct ksym ksyms[] __attribute__((weak));
extern const u64 ksyms_count __attribute__((weak));

const char *ksym_lookup(u64 addr, u64 *offset)
{
	u64 lo = 0, hi;

	if (!ksyms || !&ksyms_count || ksyms_count == 0)
		return NULL;
	hi = ksyms_count;
	if (addr < ksyms[0].addr)
		return NULL;
	while (hi - lo > 1) { /* last symbol at or below addr */
		u64 mid = lo + (hi - lo) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms[lo].addr;
	return ksyms[lo].name;
}
