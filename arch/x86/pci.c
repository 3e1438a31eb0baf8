/*
 * PCI configuration mechanism #1: ports 0xcf8 (address) and 0xcfc..0xcff
 * (data), the arch half of include/ballast/pci.h. Only the 256 bytes of
 * conventional configuration space; the generic layer (drivers/pci/)
 * does everything else. Callers hold interrupts off (process context):
 * no handler touches configuration space, so an address/data pair is
 * never split.
 */
#include <ballast/pci.h>
#include <asm/io.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static u16 select(unsigned bus, unsigned devfn, unsigned reg)
{
	outl(PCI_ADDR, 0x80000000u | (bus & 0xff) << 16 | (devfn & 0xff) << 8 |
			       (reg & 0xfc));
	return PCI_DATA + (reg & 3);
}

u32 arch_pci_read(unsigned bus, unsigned devfn, unsigned reg, unsigned size)
{
	u16 port = select(bus, devfn, reg);

	switch (size) {
	case 1:
		return inb(port);
	case 2:
		return inw(port);
	default:
		return inl(port);
	}
}

void arch_pci_write(unsigned bus, unsigned devfn, unsigned reg, unsigned size,
		    u32 val)
{
	u16 port = select(bus, devfn, reg);

	switch (size) {
	case 1:
		outb(port, val);
		break;
	case 2:
		outw(port, val);
		break;
	default:
		outl(port, val);
	}
}
