# Which files of drivers/pci/ also build into the host unit tests (make
# check): all of them, over a simulated configuration space
# (tests/unit/test_pci.c provides arch_pci_read/arch_pci_write).
HOST_LIB_SRCS += $(wildcard drivers/pci/*.c)
