/*
 * PCI configuration space through ports 0xcf8/0xcfc, read only: the end of
 * the highest memory BAR on bus 0 (an HVM guest's devices all sit there).
 * A BAR's size is not probed (that means writing it): a BAR is naturally
 * aligned to its size, so the lowest set bit of its address is at least
 * its size, and address + that bit is a safe upper bound of its end.
 */
#include <asm/io.h>
#include <asm/pci.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_BAR0 0x10
#define PCI_NR_BARS 6

static u32 cfg_read(unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	return inl(PCI_DATA);
}

/* Highest end of the memory BARs of one function. */
static u64 function_bars_end(unsigned dev, unsigned fn)
{
	u64 end = 0;

	if ((cfg_read(dev, fn, 0x0c) >> 16 & 0x7f) != 0)
		return 0; /* not a type 0 header: a bridge, skip */
	for (unsigned i = 0; i < PCI_NR_BARS; i++) {
		u32 lo = cfg_read(dev, fn, PCI_BAR0 + 4 * i);
		u64 base;

		if (lo & 1)
			continue; /* I/O space */
		base = lo & ~0xfULL;
		if ((lo & 6) == 4 && i + 1 < PCI_NR_BARS)
			base |= (u64)cfg_read(dev, fn, PCI_BAR0 + 4 * ++i) << 32;
		if (!base)
			continue;
		/* The lowest set bit of an assigned address bounds its size. */
		end = MAX(end, base + (base & -base));
	}
	return end;
}

u64 pci_mem_bars_end(void)
{
	u64 end = 0;

	for (unsigned dev = 0; dev < 32; dev++) {
		u32 id = cfg_read(dev, 0, 0);

		if ((id & 0xffff) == 0xffff)
			continue;
		bool multi = cfg_read(dev, 0, 0x0c) >> 16 & 0x80;

		for (unsigned fn = 0; fn < (multi ? 8u : 1u); fn++)
			if ((cfg_read(dev, fn, 0) & 0xffff) != 0xffff)
				end = MAX(end, function_bars_end(dev, fn));
	}
	return end;
}
