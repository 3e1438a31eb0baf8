/*
 * `lspci [-v]`: the PCI functions the scan found, one line each in the
 * shape of pciutils' lspci -nn, plus the INTx line; -v adds the BARs
 * (sized on the way) and the capability list.
 */
#include <ballast/errno.h>
#include <ballast/pci.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/string.h>
#include <linux/pci_regs.h>

static const struct {
	u16 class; /* base << 8 | sub */
	const char *name;
} class_names[] = {
	{ 0x0100, "SCSI storage controller" },
	{ 0x0101, "IDE interface" },
	{ 0x0106, "SATA controller" },
	{ 0x0200, "Ethernet controller" },
	{ 0x0300, "VGA compatible controller" },
	{ 0x0500, "RAM memory" },
	{ 0x0600, "Host bridge" },
	{ 0x0601, "ISA bridge" },
	{ 0x0604, "PCI bridge" },
	{ 0x0680, "Bridge" },
	{ 0x0c03, "USB controller" },
	{ 0x0c05, "SMBus" },
	{ 0x00ff, "Unclassified device" },
};

const char *pci_class_name(u32 class)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(class_names); i++)
		if (class_names[i].class == class >> 8)
			return class_names[i].name;
	return "Device";
}

/* lspci's way: bytes, then K, M, G when it divides evenly. */
static const char *unit(u64 size)
{
	const char *u[] = { "", "K", "M", "G" };
	unsigned int i = 0;

	while (i < 3 && size >= 1024 && size % 1024 == 0)
		size /= 1024, i++;
	return u[i];
}

static u64 scaled(u64 size)
{
	for (unsigned int i = 0; i < 3 && size >= 1024 && size % 1024 == 0; i++)
		size /= 1024;
	return size;
}

static void show_bars(struct pci_dev *d)
{
	pci_size_bars(d);
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];

		if (!b->size)
			continue;
		if (b->io)
			printk("\tRegion %u: I/O ports at %04llx [size=%llu]\n", i,
			       (unsigned long long)b->base, (unsigned long long)b->size);
		else
			printk("\tRegion %u: Memory at %llx (%s, %sprefetchable) [size=%llu%s]\n",
			       i, (unsigned long long)b->base, b->is64 ? "64-bit" : "32-bit",
			       b->prefetch ? "" : "non-", (unsigned long long)scaled(b->size),
			       unit(b->size));
	}
}

static void show_caps(const struct pci_dev *d)
{
	unsigned int pos = 0, n = 0;

	while (n++ < PCI_MAX_CAPS && (pos = pci_next_capability(d, pos))) {
		u8 id = pci_read8(d, pos + PCI_CAP_LIST_ID);

		if (id == PCI_CAP_ID_VNDR)
			printk("\tCapabilities: [%02x] Vendor Specific (len %u, type %u)\n",
			       pos, pci_read8(d, pos + 2), pci_read8(d, pos + 3));
		else
			printk("\tCapabilities: [%02x] id %#04x\n", pos, id);
	}
}

static void show(struct pci_dev *d, bool verbose)
{
	printk("%02x:%02x.%u %s [%04x]: %04x:%04x (rev %02x)", d->bus, d->dev,
	       d->fn, pci_class_name(d->class), d->class >> 8, d->vendor,
	       d->device, d->revision);
	if (d->irq_pin && d->irq_line != 0xff)
		printk(" irq %u", d->irq_line);
	printk("\n");
	if (!verbose)
		return;
	if (d->hdr_type == PCI_HEADER_TYPE_NORMAL)
		printk("\tSubsystem: %04x:%04x\n", d->subsys_vendor, d->subsys_device);
	if (d->irq_pin)
		printk("\tInterrupt: pin %c routed to IRQ %u\n",
		       'A' + (d->irq_pin - 1) % 4, d->irq_line);
	show_bars(d);
	show_caps(d);
}

static int cmd_lspci(int argc, char **argv)
{
	bool verbose = argc == 2 && !strcmp(argv[1], "-v");
	struct pci_dev *d;
	unsigned int i;

	if (argc > 2 || (argc == 2 && !verbose))
		return -EINVAL;
	for (i = 0; (d = pci_get_device(i)); i++)
		show(d, verbose);
	if (!i)
		printk("lspci: no PCI devices (none on this platform)\n");
	return 0;
}
SHELL_COMMAND(lspci, "[-v]", "list PCI devices (-v: BARs and capabilities)",
	      cmd_lspci);
