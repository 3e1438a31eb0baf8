/*
 * PCI (drivers/pci/pci.c): the functions firmware configured, found once
 * by walking bus 0 and the buses behind its PCI-PCI bridges, with their
 * ids, class, INTx pin and line, BARs and capability lists. ballast does
 * not assign resources: it takes the BARs, bus numbers and interrupt
 * lines the firmware (SeaBIOS, hvmloader) programmed.
 *
 * PCI exists only where platform.legacy_io is true (bare x86 and Xen
 * HVM); a PV or PVH guest has no configuration ports and no devices here.
 * Constants are <linux/pci_regs.h>'s (Debian's linux-libc-dev).
 *
 * Generic code: the arch gives configuration-space access only, through
 * arch_pci_read/arch_pci_write below (arch/x86/pci.c: ports 0xcf8/0xcfc).
 */
#ifndef BALLAST_PCI_H
#define BALLAST_PCI_H

#include <ballast/types.h>

#define PCI_NUM_BARS 6
#define PCI_MAX_DEVICES 64 /* functions kept; more are counted and ignored */

#define PCI_DEVFN(dev, fn) ((dev) << 3 | (fn))

struct pci_bar {
	u64 base;        /* bus address firmware assigned; 0: unassigned */
	u64 size;        /* 0 until pci_size_bars() (or unimplemented) */
	bool io;         /* I/O space (else memory) */
	bool is64;       /* memory BAR taking this and the next register */
	bool prefetch;
};

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
	u16 subsys_vendor, subsys_device; /* header type 0 only */
	u32 class;       /* base class << 16 | subclass << 8 | prog-if */
	u8 revision;
	u8 hdr_type;     /* PCI_HEADER_TYPE_* (multifunction bit cleared) */
	u8 irq_pin;      /* 0 none, 1..4 INTA..INTD */
	u8 irq_line;     /* reg 0x3c as firmware set it: PIC line, 0xff none */
	bool bars_sized;
	struct pci_bar bar[PCI_NUM_BARS];
};

/*
 * The functions found, in bus/device/function order: i from 0 until NULL.
 * The first call scans (reads only: no register changes); every call after
 * returns the same devices. None without legacy I/O.
 */
struct pci_dev *pci_get_device(unsigned int i);
/* The first function from `from` (an index) on with vendor and a device
 * id in [dev_lo, dev_hi]; *next gets the index after it. NULL when none. */
struct pci_dev *pci_find_device(u16 vendor, u16 dev_lo, u16 dev_hi,
				unsigned int from, unsigned int *next);

/* Configuration space of one function, reg < 256 aligned to the size. */
u8 pci_read8(const struct pci_dev *d, unsigned int reg);
u16 pci_read16(const struct pci_dev *d, unsigned int reg);
u32 pci_read32(const struct pci_dev *d, unsigned int reg);
void pci_write8(const struct pci_dev *d, unsigned int reg, u8 v);
void pci_write16(const struct pci_dev *d, unsigned int reg, u16 v);
void pci_write32(const struct pci_dev *d, unsigned int reg, u32 v);

/*
 * Learn each BAR's size the usual way: decode off, write all ones, read
 * the mask back, restore the address, decode back as it was. Once per
 * device (later calls return at once); a driver calls it before it uses
 * the BARs, `lspci -v` to show them.
 */
void pci_size_bars(struct pci_dev *d);
/* Memory space and bus mastering on, INTx not disabled (a virtio device
 * stops DMA without Bus Master). */
void pci_enable_device(struct pci_dev *d);

/*
 * Capability lists: the offset in configuration space of the first
 * capability with this id (PCI_CAP_ID_*), 0 when none; _next continues
 * after the one at pos. The walk is bounded (a looping list ends it).
 */
unsigned int pci_find_capability(const struct pci_dev *d, u8 cap_id);
unsigned int pci_find_next_capability(const struct pci_dev *d,
				      unsigned int pos, u8 cap_id);
/* Any id: the capability after pos (0: the first), 0 at the end. A
 * caller walking the whole list stops after PCI_MAX_CAPS steps. */
unsigned int pci_next_capability(const struct pci_dev *d, unsigned int pos);
#define PCI_MAX_CAPS 48 /* (256 - 64) / 4: a longer list loops */

/*
 * End (exclusive) of the highest memory BAR of the normal functions on
 * bus 0, 0 when none: where Xen HVM's hvmloader put BARs, which hot-added
 * memory must stay above. A BAR is naturally aligned to its size, so its
 * address plus the lowest set bit of the address bounds its end; that
 * bound is what is returned (needs no sizing, and is the figure the Xen
 * hot-add layout was measured with).
 */
u64 pci_mem_bars_end(void);

/* "Unclassified device", "Host bridge", ...: for lspci. */
const char *pci_class_name(u32 class);

#ifdef BALLAST_HOST
/* Forget the scan (each test builds its own configuration space). */
void pci_reset_for_test(void);
#endif

/* ---- from the arch: configuration-space access (size 1, 2 or 4) ------- */
u32 arch_pci_read(unsigned int bus, unsigned int devfn, unsigned int reg,
		  unsigned int size);
void arch_pci_write(unsigned int bus, unsigned int devfn, unsigned int reg,
		    unsigned int size, u32 val);

#endif
