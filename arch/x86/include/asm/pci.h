/*
 * Just enough PCI (configuration mechanism #1, ports 0xcf8/0xcfc) to find
 * where firmware put memory BARs: a Xen HVM guest's hvmloader places 64-bit
 * BARs right above the top of RAM, where hot-added memory must not go.
 */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <ballast/types.h>

/* End (exclusive) of the highest memory BAR on bus 0, 0 when none. */
u64 pci_mem_bars_end(void);

#endif
