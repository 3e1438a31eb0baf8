/*
 * The PCI functions firmware configured (include/ballast/pci.h): one scan
 * of bus 0 and of every bus behind a PCI-PCI bridge, at first use. The
 * scan only reads; BAR sizing (which writes the BARs) waits until a driver
 * or `lspci -v` asks, so a Xen HVM guest, whose every configuration access
 * is a trip to the device model, pays for nothing it does not use.
 */
#include <ballast/pci.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <linux/pci_regs.h>

#define PCI_MAX_BRIDGE_DEPTH 8 /* bridges behind bridges; deeper ones ignored */

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned int nr_devs, nr_dropped;
static bool scanned;
static u8 bus_seen[256 / 8];

static bool reg_ok(unsigned int reg, unsigned int size)
{
	return reg <= 256 - size && reg % size == 0;
}

static u32 cfg_read(const struct pci_dev *d, unsigned int reg, unsigned int size)
{
	if (!reg_ok(reg, size))
		return 0xffffffffu >> (32 - 8 * size);
	return arch_pci_read(d->bus, PCI_DEVFN(d->dev, d->fn), reg, size);
}

static void cfg_write(const struct pci_dev *d, unsigned int reg,
		      unsigned int size, u32 v)
{
	if (reg_ok(reg, size))
		arch_pci_write(d->bus, PCI_DEVFN(d->dev, d->fn), reg, size, v);
}

u8 pci_read8(const struct pci_dev *d, unsigned int reg) { return cfg_read(d, reg, 1); }
u16 pci_read16(const struct pci_dev *d, unsigned int reg) { return cfg_read(d, reg, 2); }
u32 pci_read32(const struct pci_dev *d, unsigned int reg) { return cfg_read(d, reg, 4); }
void pci_write8(const struct pci_dev *d, unsigned int reg, u8 v) { cfg_write(d, reg, 1, v); }
void pci_write16(const struct pci_dev *d, unsigned int reg, u16 v) { cfg_write(d, reg, 2, v); }
void pci_write32(const struct pci_dev *d, unsigned int reg, u32 v) { cfg_write(d, reg, 4, v); }

static unsigned int nr_bars(const struct pci_dev *d)
{
	if (d->hdr_type == PCI_HEADER_TYPE_NORMAL)
		return PCI_NUM_BARS;
	return d->hdr_type == PCI_HEADER_TYPE_BRIDGE ? 2 : 0;
}

/* Addresses and kinds of the BARs, as firmware left them (reads only). */
static void read_bars(struct pci_dev *d)
{
	for (unsigned int i = 0; i < nr_bars(d); i++) {
		struct pci_bar *b = &d->bar[i];
		u32 lo = pci_read32(d, PCI_BASE_ADDRESS_0 + 4 * i);

		b->io = lo & PCI_BASE_ADDRESS_SPACE_IO;
		if (b->io) {
			b->base = lo & PCI_BASE_ADDRESS_IO_MASK;
			continue;
		}
		b->base = lo & PCI_BASE_ADDRESS_MEM_MASK;
		b->prefetch = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
		if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			    PCI_BASE_ADDRESS_MEM_TYPE_64 && i + 1 < nr_bars(d)) {
			b->is64 = true;
			b->base |= (u64)pci_read32(d, PCI_BASE_ADDRESS_0 + 4 * ++i) << 32;
		}
	}
}

static void scan_bus(unsigned int bus, unsigned int depth);

/*
 * One function's header, in whole dwords: under Xen HVM every access is a
 * trip to the device model, so the scan reads each register once.
 */
static void add_function(unsigned int bus, unsigned int dev, unsigned int fn,
			 u32 id, unsigned int depth)
{
	struct pci_dev tmp = { .bus = bus, .dev = dev, .fn = fn };
	struct pci_dev *d = nr_devs < PCI_MAX_DEVICES ? &devs[nr_devs] : &tmp;
	u32 cr, intr;

	*d = tmp;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	cr = pci_read32(d, PCI_CLASS_REVISION);
	d->class = cr >> 8;
	d->revision = cr & 0xff;
	d->hdr_type = pci_read32(d, PCI_CACHE_LINE_SIZE) >> 16 & PCI_HEADER_TYPE_MASK;
	intr = pci_read32(d, PCI_INTERRUPT_LINE);
	d->irq_line = intr & 0xff;
	d->irq_pin = intr >> 8 & 0xff;
	if (d->hdr_type == PCI_HEADER_TYPE_NORMAL) {
		u32 sub = pci_read32(d, PCI_SUBSYSTEM_VENDOR_ID);

		d->subsys_vendor = sub & 0xffff;
		d->subsys_device = sub >> 16;
	}
	read_bars(d);
	if (d == &tmp)
		nr_dropped++;
	else
		nr_devs++;
	/* The bus behind a bridge, as firmware numbered it (0: not set up). */
	if (d->hdr_type == PCI_HEADER_TYPE_BRIDGE) {
		unsigned int sec = pci_read32(d, PCI_PRIMARY_BUS) >> 8 & 0xff;

		if (sec > bus && depth < PCI_MAX_BRIDGE_DEPTH)
			scan_bus(sec, depth + 1);
	}
}

/* Vendor and device id, 0 when nothing answers there. */
static u32 function_id(unsigned int bus, unsigned int devfn)
{
	u32 id = arch_pci_read(bus, devfn, PCI_VENDOR_ID, 4);
	u16 vendor = id & 0xffff;

	return vendor == 0xffff || vendor == 0 ? 0 : id;
}

static void scan_bus(unsigned int bus, unsigned int depth)
{
	if (bus_seen[bus / 8] & 1 << bus % 8)
		return; /* two bridges claiming one bus: scan it once */
	bus_seen[bus / 8] |= 1 << bus % 8;
	for (unsigned int dev = 0; dev < 32; dev++) {
		u32 id = function_id(bus, PCI_DEVFN(dev, 0));
		bool multi;

		if (!id)
			continue;
		multi = arch_pci_read(bus, PCI_DEVFN(dev, 0), PCI_HEADER_TYPE, 1) & 0x80;
		add_function(bus, dev, 0, id, depth);
		for (unsigned int fn = 1; multi && fn < 8; fn++)
			if ((id = function_id(bus, PCI_DEVFN(dev, fn))))
				add_function(bus, dev, fn, id, depth);
	}
}

static bool before(const struct pci_dev *a, const struct pci_dev *b)
{
	return (a->bus << 8 | PCI_DEVFN(a->dev, a->fn)) <
	       (b->bus << 8 | PCI_DEVFN(b->dev, b->fn));
}

/* Bus order (a bridge's bus was scanned in the middle of its parent's). */
static void sort_devs(void)
{
	for (unsigned int i = 1; i < nr_devs; i++) {
		struct pci_dev d = devs[i];
		unsigned int j = i;

		for (; j > 0 && before(&d, &devs[j - 1]); j--)
			devs[j] = devs[j - 1];
		devs[j] = d;
	}
}

static void scan(void)
{
	scanned = true;
	if (!platform.legacy_io)
		return; /* PV, PVH: no configuration ports */
	scan_bus(0, 0);
	sort_devs();
	if (nr_dropped)
		pr_warn("pci: %u functions beyond the first %u ignored\n",
			nr_dropped, PCI_MAX_DEVICES);
}

struct pci_dev *pci_get_device(unsigned int i)
{
	if (!scanned)
		scan();
	return i < nr_devs ? &devs[i] : NULL;
}

struct pci_dev *pci_find_device(u16 vendor, u16 dev_lo, u16 dev_hi,
				unsigned int from, unsigned int *next)
{
	struct pci_dev *d;

	for (unsigned int i = from; (d = pci_get_device(i)); i++) {
		if (d->vendor == vendor && d->device >= dev_lo && d->device <= dev_hi) {
			*next = i + 1;
			return d;
		}
	}
	*next = from;
	return NULL;
}

/* Lowest set bit of the writable address bits: the BAR's size. */
static u64 mask_size(u64 mask)
{
	return mask & -mask;
}

static u32 probe_reg(struct pci_dev *d, unsigned int reg)
{
	u32 old = pci_read32(d, reg), mask;

	pci_write32(d, reg, 0xffffffffu);
	mask = pci_read32(d, reg);
	pci_write32(d, reg, old);
	return mask;
}

void pci_size_bars(struct pci_dev *d)
{
	u16 cmd;

	if (d->bars_sized)
		return;
	d->bars_sized = true;
	/* Decode off while a BAR holds all ones: it must not claim cycles. */
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned int i = 0; i < nr_bars(d); i++) {
		struct pci_bar *b = &d->bar[i];
		unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * i;
		u64 mask = probe_reg(d, reg);

		if (b->io) {
			/* Upper 16 bits may read 0 on an x86 I/O BAR. */
			b->size = mask_size(mask & PCI_BASE_ADDRESS_IO_MASK & 0xffff);
			continue;
		}
		mask &= PCI_BASE_ADDRESS_MEM_MASK;
		if (b->is64) {
			mask |= (u64)probe_reg(d, reg + 4) << 32;
			i++;
		}
		b->size = mask_size(mask);
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

void pci_enable_device(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);
	u16 want = (cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER) &
		   ~PCI_COMMAND_INTX_DISABLE;

	if (want != cmd)
		pci_write16(d, PCI_COMMAND, want);
}

unsigned int pci_next_capability(const struct pci_dev *d, unsigned int pos)
{
	if (pos)
		pos = pci_read8(d, pos + PCI_CAP_LIST_NEXT);
	else if (pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST &&
		 d->hdr_type != PCI_HEADER_TYPE_CARDBUS)
		pos = pci_read8(d, PCI_CAPABILITY_LIST);
	pos &= ~3u;
	/* Capabilities live past the standard header; below it ends the list. */
	return pos >= 0x40 ? pos : 0;
}

unsigned int pci_find_next_capability(const struct pci_dev *d,
				      unsigned int pos, u8 cap_id)
{
	for (unsigned int n = 0; n < PCI_MAX_CAPS; n++) {
		pos = pci_next_capability(d, pos);
		if (!pos || pci_read8(d, pos + PCI_CAP_LIST_ID) == cap_id)
			return pos;
	}
	return 0;
}

unsigned int pci_find_capability(const struct pci_dev *d, u8 cap_id)
{
	return pci_find_next_capability(d, 0, cap_id);
}

u64 pci_mem_bars_end(void)
{
	struct pci_dev *d;
	u64 end = 0;

	for (unsigned int i = 0; (d = pci_get_device(i)) && d->bus == 0; i++) {
		if (d->hdr_type != PCI_HEADER_TYPE_NORMAL)
			continue; /* a bridge's windows are its children's */
		for (unsigned int b = 0; b < PCI_NUM_BARS; b++) {
			u64 base = d->bar[b].base;

			if (!d->bar[b].io && base)
				end = MAX(end, base + (base & -base));
		}
	}
	return end;
}

#ifdef BALLAST_HOST
void pci_reset_for_test(void)
{
	nr_devs = nr_dropped = 0;
	scanned = false;
	memset(bus_seen, 0, sizeof(bus_seen));
}
#endif
