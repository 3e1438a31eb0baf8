/* Between the files of drivers/virtio/ (not for drivers or transports). */
#ifndef DRIVERS_VIRTIO_INTERNAL_H
#define DRIVERS_VIRTIO_INTERNAL_H

#include <ballast/virtio.h>
#include <linux/virtio_pci.h>

/* ISR status bits (virtio 1.x 4.1.4.5): the header names only the config one. */
#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG VIRTIO_PCI_ISR_CONFIG

/* The device has returned chains this side has not taken yet. */
bool virtqueue_has_used(const struct virtqueue *vq);

#endif
