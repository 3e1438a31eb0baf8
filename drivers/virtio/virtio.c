/*
 * The virtio core: binds devices a transport found to the driver registered
 * for their device id, does the status and feature dance, and runs the
 * drivers' deferred callbacks (see include/ballast/virtio.h).
 *
 * Interrupts only set flags here; the callbacks run from virtio_poll, an
 * idle poll, in process context. virtio_poll also looks at every queue's
 * used index, so a lost or never-enabled interrupt costs latency, not work.
 */
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/printk.h>
#include <ballast/timer.h>
#include <ballast/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "internal.h"

static struct virtio_driver *drivers;
static struct virtio_device *devices, **devices_tail = &devices;

/*
 * Features the core refuses whatever a driver says: virtqueue.c has no
 * event index and no indirect descriptors, and ring reset and the packed
 * layout are not implemented either.
 */
#define VIRTIO_CORE_NEVER                                                     \
	((1ULL << VIRTIO_RING_F_EVENT_IDX) |                                  \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |                              \
	 (1ULL << VIRTIO_F_RING_PACKED) | (1ULL << VIRTIO_F_RING_RESET))

int virtio_register_driver(struct virtio_driver *drv)
{
	if (!drv || !drv->probe)
		return -EINVAL;
	for (struct virtio_driver *d = drivers; d; d = d->next)
		if (d == drv || d->device_id == drv->device_id)
			return -EBUSY;
	drv->next = drivers;
	drivers = drv;
	return 0;
}

static struct virtio_driver *find_driver(u32 id)
{
	for (struct virtio_driver *d = drivers; d; d = d->next)
		if (d->device_id == id)
			return d;
	return NULL;
}

struct virtio_device *virtio_devices(void)
{
	return devices;
}

static void add_status(struct virtio_device *vdev, u8 bits)
{
	vdev->ops->set_status(vdev, vdev->ops->get_status(vdev) | bits);
}

int virtio_negotiate(struct virtio_device *vdev, u64 driver_features)
{
	u64 offered, want;
	int err;

	add_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	add_status(vdev, VIRTIO_CONFIG_S_DRIVER);
	offered = vdev->ops->get_features(vdev);
	if (!(offered >> VIRTIO_F_VERSION_1 & 1)) {
		pr_err("virtio: %s (%s): device id %u offers no VIRTIO_F_VERSION_1 "
		       "(legacy only, features %#llx): refused\n", vdev->name,
		       vdev->where, vdev->id, (unsigned long long)offered);
		add_status(vdev, VIRTIO_CONFIG_S_FAILED);
		return -ENODEV;
	}
	want = offered & driver_features & ~VIRTIO_CORE_NEVER;
	/* Modern layout and endianness only, whatever the driver's list says. */
	want |= 1ULL << VIRTIO_F_VERSION_1;
	err = vdev->ops->finalize_features(vdev, want);
	if (err) {
		pr_err("virtio: %s (%s): device refused features %#llx (offered "
		       "%#llx): %s\n", vdev->name, vdev->where,
		       (unsigned long long)want, (unsigned long long)offered,
		       errno_name(err));
		add_status(vdev, VIRTIO_CONFIG_S_FAILED);
		return err;
	}
	vdev->features = want;
	return 0;
}

void virtio_device_ready(struct virtio_device *vdev)
{
	add_status(vdev, VIRTIO_CONFIG_S_DRIVER_OK);
	if (vdev->ops->enable_irq)
		vdev->ops->enable_irq(vdev);
}

/*
 * FAILED tells the device (and `info virtio-status`) the driver gave up;
 * the reset stops it using the rings, so they can be freed; FAILED again
 * because the reset cleared it.
 */
void virtio_device_fail(struct virtio_device *vdev)
{
	add_status(vdev, VIRTIO_CONFIG_S_FAILED);
	vdev->ops->reset(vdev);
	vdev->ops->set_status(vdev, VIRTIO_CONFIG_S_FAILED);
	vdev->config_pending = vdev->queue_pending = false;
}

/* Queues a failed probe left behind: the device is reset, nothing uses them. */
static void free_queues(struct virtio_device *vdev)
{
	while (vdev->vqs)
		virtqueue_free(vdev->vqs);
}

static void list_device(struct virtio_device *vdev)
{
	for (struct virtio_device *d = devices; d; d = d->next)
		if (d == vdev)
			return;
	vdev->next = NULL;
	*devices_tail = vdev;
	devices_tail = &vdev->next;
}

/*
 * Every device found is listed (the `virtio` command shows the unbound and
 * refused ones too); the transport keeps the struct for good.
 */
int virtio_add_device(struct virtio_device *vdev)
{
	struct virtio_driver *drv;
	int err;

	if (!vdev || !vdev->ops)
		return -EINVAL;
	vdev->drv = NULL;
	vdev->features = 0;
	vdev->config_pending = vdev->queue_pending = false;
	list_device(vdev);
	vdev->ops->reset(vdev);
	drv = find_driver(vdev->id);
	if (!drv) {
		add_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
		pr_info("virtio: %s (%s): device id %u: no driver\n", vdev->name,
			vdev->where, vdev->id);
		return -ENODEV;
	}
	err = virtio_negotiate(vdev, drv->features);
	if (err)
		return err;
	vdev->drv = drv;
	err = drv->probe(vdev);
	if (err) {
		pr_err("virtio: %s (%s): %s: probe failed: %s\n", vdev->name,
		       vdev->where, drv->name, errno_name(err));
		vdev->drv = NULL;
		virtio_device_fail(vdev);
		free_queues(vdev);
		return err;
	}
	pr_info("virtio: %s (%s): %s, features %#llx\n", vdev->name,
		vdev->where, drv->name, (unsigned long long)vdev->features);
	return 0;
}

void virtio_interrupt(struct virtio_device *vdev, u8 isr)
{
	vdev->irqs++;
	if (isr & VIRTIO_ISR_QUEUE) {
		vdev->queue_irqs++;
		vdev->queue_pending = true;
	}
	if (isr & VIRTIO_ISR_CONFIG) {
		vdev->config_irqs++;
		vdev->config_pending = true;
	}
}

static void poll_device(struct virtio_device *vdev)
{
	bool queue = vdev->queue_pending;

	/* Cleared before the callbacks: an interrupt meanwhile marks again. */
	vdev->queue_pending = false;
	if (vdev->config_pending) {
		vdev->config_pending = false;
		if (vdev->drv->config_changed)
			vdev->drv->config_changed(vdev);
	}
	for (struct virtqueue *vq = vdev->vqs; vq; vq = vq->next)
		if (vq->callback && (queue || virtqueue_has_used(vq)))
			vq->callback(vq);
}

void virtio_poll(void)
{
	for (struct virtio_device *d = devices; d; d = d->next)
		if (d->drv)
			poll_device(d);
}

static struct idle_poll virtio_idle_poll = { .fn = virtio_poll };

static int virtio_core_init(void)
{
	idle_poll_register(&virtio_idle_poll);
	return 0;
}
/* Before the drivers (INIT_LEVEL_MM) and transports (INIT_LEVEL_MM + 5). */
INIT_HOOK(virtio_core, virtio_core_init, INIT_LEVEL_EARLY);

#ifdef BALLAST_HOST
void virtio_reset_for_test(void)
{
	drivers = NULL;
	devices = NULL;
	devices_tail = &devices;
}
#endif
