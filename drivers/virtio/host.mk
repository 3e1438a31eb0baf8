# Which files of drivers/virtio/ also build into the host unit tests (make
# check): the core, the split rings and the drivers, run against a simulated
# device (tests/unit/sim_virtio.c). Not the PCI transport and its command,
# nor relax.c (the kernel's pause between polls; the simulator has its own).
HOST_LIB_SRCS += $(filter-out drivers/virtio/pci.c drivers/virtio/cmd_virtio.c \
	drivers/virtio/relax.c, $(wildcard drivers/virtio/*.c))
