/*
 * drivers/pci: the scan (bus 0, multi-function devices, buses behind
 * bridges, each bus once), BAR sizing with decode off and everything
 * restored, capability walks that end on a looping list, the Xen hot-add
 * bound of pci_mem_bars_end (bus 0, normal functions, address plus its
 * lowest set bit), and lspci's line. Over a simulated configuration
 * space: this file is the host's arch_pci_read/arch_pci_write.
 */
#include <ballast/errno.h>
#include <ballast/pci.h>
#include <ballast/platform.h>
#include <ballast/shell.h>
#include <linux/pci_regs.h>
#include "unit.h"

struct sim_fn {
	u8 bus, devfn;
	u8 cfg[256];
	u32 bar_mask[PCI_NUM_BARS]; /* writable bits of each BAR register */
};

static struct sim_fn fns[16];
static unsigned int nr_fns;
static unsigned int bar_writes_decoding; /* BAR writes with decode on */

static struct sim_fn *lookup(unsigned int bus, unsigned int devfn)
{
	for (unsigned int i = 0; i < nr_fns; i++)
		if (fns[i].bus == bus && fns[i].devfn == devfn)
			return &fns[i];
	return NULL;
}

static u32 get(const struct sim_fn *f, unsigned int reg, unsigned int size)
{
	u32 v = 0;

	memcpy(&v, f->cfg + reg, size);
	return v;
}

static void put(struct sim_fn *f, unsigned int reg, unsigned int size, u32 v)
{
	memcpy(f->cfg + reg, &v, size);
}

u32 arch_pci_read(unsigned int bus, unsigned int devfn, unsigned int reg,
		  unsigned int size)
{
	struct sim_fn *f = lookup(bus, devfn);

	CHECK(reg + size <= 256 && reg % size == 0);
	return f ? get(f, reg, size) : 0xffffffffu >> (32 - 8 * size);
}

void arch_pci_write(unsigned int bus, unsigned int devfn, unsigned int reg,
		    unsigned int size, u32 val)
{
	struct sim_fn *f = lookup(bus, devfn);

	CHECK(reg + size <= 256 && reg % size == 0);
	if (!f)
		return;
	if (reg >= PCI_BASE_ADDRESS_0 && reg < PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS) {
		u32 m = f->bar_mask[(reg - PCI_BASE_ADDRESS_0) / 4];

		CHECK_EQ(size, 4);
		if (get(f, PCI_COMMAND, 2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
			bar_writes_decoding++;
		put(f, reg, 4, (val & m) | (get(f, reg, 4) & ~m));
		return;
	}
	put(f, reg, size, val);
}

static struct sim_fn *add(unsigned int bus, unsigned int dev, unsigned int fn,
			  u32 id, u32 class, u8 hdr)
{
	struct sim_fn *f = &fns[nr_fns++];

	memset(f, 0, sizeof(*f));
	f->bus = bus;
	f->devfn = PCI_DEVFN(dev, fn);
	put(f, PCI_VENDOR_ID, 4, id);
	put(f, PCI_CLASS_REVISION, 4, class << 8 | 1);
	put(f, PCI_HEADER_TYPE, 1, hdr);
	put(f, PCI_INTERRUPT_LINE, 1, 0xff);
	return f;
}

static void bar(struct sim_fn *f, unsigned int i, u32 val, u32 mask)
{
	put(f, PCI_BASE_ADDRESS_0 + 4 * i, 4, val);
	f->bar_mask[i] = mask;
}

static void cap(struct sim_fn *f, unsigned int pos, u8 id, u8 next)
{
	f->cfg[pos] = id;
	f->cfg[pos + 1] = next;
	f->cfg[pos + 2] = 16;
}

static bool saved_legacy_io;

/*
 * bus 0: host bridge; a two-function device; an e1000-like NIC; a
 * transitional virtio balloon (64-bit BAR4, a capability list that loops);
 * a bridge to bus 1; a device with a 64-bit BAR at 4 GiB; a bridge not set
 * up (secondary 0); a second bridge claiming bus 1. Bus 1: a modern
 * virtio device with a 64-bit BAR at 32 GiB.
 */
static void build(void)
{
	struct sim_fn *f;

	nr_fns = 0;
	bar_writes_decoding = 0;
	pci_reset_for_test();
	saved_legacy_io = platform.legacy_io;
	platform.legacy_io = true;
	add(0, 0, 0, 0x12378086, 0x060000, 0);
	add(0, 1, 0, 0x70008086, 0x060100, 0x80);
	f = add(0, 1, 1, 0x70108086, 0x010180, 0);
	bar(f, 4, 0xc081, 0xfff0);
	f = add(0, 2, 0, 0x100e8086, 0x020000, 0);
	bar(f, 0, 0xfebc0000, 0xfffe0000);
	bar(f, 1, 0xc001, 0xffc0);
	f = add(0, 3, 0, 0x10021af4, 0x00ff00, 0);
	put(f, PCI_SUBSYSTEM_VENDOR_ID, 4, 0x00051af4);
	put(f, PCI_INTERRUPT_LINE, 2, 0x010b); /* pin A, line 11 */
	put(f, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	bar(f, 0, 0xc041, 0xffc0);
	bar(f, 4, 0xfebfc00c, 0xffffc000);
	bar(f, 5, 0, 0xffffffff);
	put(f, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	put(f, PCI_CAPABILITY_LIST, 1, 0x40);
	cap(f, 0x40, PCI_CAP_ID_VNDR, 0x50);
	cap(f, 0x50, PCI_CAP_ID_MSI, 0x60);
	cap(f, 0x60, PCI_CAP_ID_VNDR, 0x41); /* back to 0x40 (low bits ignored) */
	f = add(0, 4, 0, 0x00011b36, 0x060400, 1);
	put(f, PCI_SECONDARY_BUS, 1, 1);
	bar(f, 0, 0xfe860004, 0xffffff00);
	f = add(0, 5, 0, 0x00015853, 0xff8000, 0);
	bar(f, 0, 0x0000000c, 0xfff00000);
	bar(f, 1, 0x1, 0xffffffff); /* 4 GiB, 1 MiB */
	add(0, 6, 0, 0x00011b36, 0x060400, 1); /* secondary bus 0 */
	f = add(0, 7, 0, 0x00011b36, 0x060400, 1);
	put(f, PCI_SECONDARY_BUS, 1, 1);
	f = add(1, 5, 0, 0x10451af4, 0x00ff00, 0);
	bar(f, 4, 0x0000000c, 0xffffc000);
	bar(f, 5, 0x8, 0xffffffff);
}

static void done(void)
{
	platform.legacy_io = saved_legacy_io;
	pci_reset_for_test();
}

TEST(pci_scan_finds_bus0_functions_and_bridged_bus_once_in_order)
{
	static const u16 where[] = { 0x0000, 0x0008, 0x0009, 0x0010, 0x0018,
				     0x0020, 0x0028, 0x0030, 0x0038, 0x0128 };
	struct pci_dev *d;
	unsigned int i;

	build();
	for (i = 0; (d = pci_get_device(i)); i++) {
		CHECK(i < ARRAY_SIZE(where));
		CHECK_EQ(d->bus << 8 | PCI_DEVFN(d->dev, d->fn), where[i]);
	}
	CHECK_EQ(i, ARRAY_SIZE(where));
	d = pci_get_device(4);
	CHECK_EQ(d->vendor, 0x1af4);
	CHECK_EQ(d->device, 0x1002);
	CHECK_EQ(d->class, 0x00ff00);
	CHECK_EQ(d->revision, 1);
	CHECK_EQ(d->subsys_device, 5);
	CHECK_EQ(d->irq_pin, 1);
	CHECK_EQ(d->irq_line, 11);
	CHECK(d->bar[4].is64 && d->bar[4].prefetch && !d->bar[4].io);
	CHECK_EQ(d->bar[4].base, 0xfebfc000);
	CHECK(d->bar[0].io);
	CHECK_EQ(d->bar[0].base, 0xc040);
	CHECK(!d->bars_sized && !d->bar[4].size); /* the scan only reads */
	CHECK_EQ(pci_get_device(9)->bar[4].base, 0x800000000ULL);
	done();
}

TEST(pci_find_device_by_vendor_and_id_range)
{
	unsigned int next = 0, n = 0;
	struct pci_dev *d;

	build();
	while ((d = pci_find_device(0x1af4, 0x1000, 0x107f, next, &next)))
		n++;
	CHECK_EQ(n, 2);
	CHECK(!pci_find_device(0x1af4, 0x1003, 0x1040, 0, &next));
	done();
}

TEST(pci_size_bars_decode_off_and_restores_everything)
{
	struct pci_dev *d;
	struct sim_fn *f;

	build();
	f = lookup(0, PCI_DEVFN(3, 0));
	d = pci_get_device(4);
	pci_size_bars(d);
	CHECK_EQ(bar_writes_decoding, 0);
	CHECK(d->bars_sized);
	CHECK_EQ(d->bar[4].size, 16 * 1024);
	CHECK_EQ(d->bar[0].size, 64);
	CHECK_EQ(d->bar[1].size, 0);
	CHECK_EQ(get(f, PCI_BASE_ADDRESS_4, 4), 0xfebfc00c);
	CHECK_EQ(get(f, PCI_BASE_ADDRESS_5, 4), 0);
	CHECK_EQ(get(f, PCI_BASE_ADDRESS_0, 4), 0xc041);
	CHECK_EQ(get(f, PCI_COMMAND, 2), PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	d = pci_get_device(2); /* IDE: upper half of its I/O mask reads 0 */
	pci_size_bars(d);
	CHECK_EQ(d->bar[4].size, 16);
	d = pci_get_device(6); /* 64-bit at 4 GiB, 1 MiB */
	pci_size_bars(d);
	CHECK_EQ(d->bar[0].size, 1 * MiB);
	CHECK_EQ(d->bar[0].base, 4 * GiB);
	done();
}

TEST(pci_enable_device_sets_memory_and_master_clears_intx_disable)
{
	struct sim_fn *f;

	build();
	f = lookup(0, PCI_DEVFN(3, 0));
	pci_enable_device(pci_get_device(4));
	CHECK_EQ(get(f, PCI_COMMAND, 2),
		 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	done();
}

TEST(pci_capability_walk_ends_on_a_looping_list)
{
	struct pci_dev *d;
	unsigned int pos = 0, n = 0;

	build();
	d = pci_get_device(4);
	CHECK_EQ(pci_find_capability(d, PCI_CAP_ID_VNDR), 0x40);
	CHECK_EQ(pci_find_capability(d, PCI_CAP_ID_MSI), 0x50);
	CHECK_EQ(pci_find_next_capability(d, 0x40, PCI_CAP_ID_VNDR), 0x60);
	/* Not in the (looping) list: the walk still ends. */
	CHECK_EQ(pci_find_capability(d, PCI_CAP_ID_MSIX), 0);
	while (n < 1000 && (pos = pci_next_capability(d, pos)))
		n++;
	CHECK_EQ(n, 1000); /* it loops: callers bound with PCI_MAX_CAPS */
	CHECK_EQ(pci_find_capability(pci_get_device(0), PCI_CAP_ID_VNDR), 0);
	CHECK_EQ(pci_read8(d, 256), 0xff); /* past config space: all ones */
	CHECK_EQ(pci_read32(d, 0x41), 0xffffffff);
	done();
}

TEST(pci_mem_bars_end_is_bus0_normal_functions_address_plus_low_bit)
{
	build();
	/* 4 GiB + its lowest set bit; not the bridge's BAR, not bus 1's. */
	CHECK_EQ(pci_mem_bars_end(), 8 * GiB);
	done();
}

TEST(pci_none_without_legacy_io)
{
	build();
	platform.legacy_io = false;
	CHECK(!pci_get_device(0));
	CHECK_EQ(pci_mem_bars_end(), 0);
	done();
}

TEST(pci_lspci_lines)
{
	build();
	unit_log_clear();
	CHECK_EQ(shell_run_line("lspci"), 0);
	CHECK(strstr(unit_log(),
		     "00:03.0 Unclassified device [00ff]: 1af4:1002 (rev 01) irq 11\n"));
	CHECK(strstr(unit_log(), "01:05.0 Unclassified device [00ff]: 1af4:1045 (rev 01)\n"));
	unit_log_clear();
	CHECK_EQ(shell_run_line("lspci -v"), 0);
	CHECK(strstr(unit_log(),
		     "\tRegion 4: Memory at febfc000 (64-bit, prefetchable) [size=16K]\n"));
	CHECK(strstr(unit_log(), "\tCapabilities: [40] Vendor Specific (len 16, type 0)\n"));
	CHECK_EQ(shell_run_line("lspci -x"), -EINVAL);
	done();
}
