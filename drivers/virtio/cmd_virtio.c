/*
 * `virtio`: every virtio device a transport found, bound or not: where it
 * is, its type, the driver and negotiated features, its queues, and the
 * interrupts it raised (queue and config). Generic: only virtio.h.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/virtio.h>
#include <linux/virtio_ids.h>

static const char *const type_names[] = {
	[VIRTIO_ID_NET] = "net",
	[VIRTIO_ID_BLOCK] = "block",
	[VIRTIO_ID_CONSOLE] = "console",
	[VIRTIO_ID_RNG] = "rng",
	[VIRTIO_ID_BALLOON] = "balloon",
	[VIRTIO_ID_SCSI] = "scsi",
	[VIRTIO_ID_9P] = "9p",
	[VIRTIO_ID_GPU] = "gpu",
	[VIRTIO_ID_INPUT] = "input",
	[VIRTIO_ID_VSOCK] = "vsock",
	[VIRTIO_ID_CRYPTO] = "crypto",
	[VIRTIO_ID_IOMMU] = "iommu",
	[VIRTIO_ID_MEM] = "mem",
	[VIRTIO_ID_SOUND] = "sound",
	[VIRTIO_ID_FS] = "fs",
	[VIRTIO_ID_PMEM] = "pmem",
};

static const char *type_name(u32 id)
{
	if (id < ARRAY_SIZE(type_names) && type_names[id])
		return type_names[id];
	return "unknown";
}

static void show(struct virtio_device *vdev)
{
	printk("%s: %s, id %u (%s), %s, status %#x\n", vdev->name, vdev->where,
	       vdev->id, type_name(vdev->id),
	       vdev->drv ? vdev->drv->name : "no driver",
	       vdev->ops->get_status(vdev));
	if (!vdev->drv)
		return;
	printk("  features:   %#llx\n", (unsigned long long)vdev->features);
	if (!vdev->vqs)
		printk("  queues:     none\n");
	for (const struct virtqueue *vq = vdev->vqs; vq; vq = vq->next)
		printk("  queue %u:    %s, size %u: %llu added, %llu done, %llu kicks, "
		       "%llu timeouts\n", vq->idx, vq->name ? vq->name : "?", vq->size,
		       (unsigned long long)vq->added,
		       (unsigned long long)vq->completed,
		       (unsigned long long)vq->kicks,
		       (unsigned long long)vq->timeouts);
	printk("  irqs:       %llu (queue %llu, config %llu)\n",
	       (unsigned long long)vdev->irqs, (unsigned long long)vdev->queue_irqs,
	       (unsigned long long)vdev->config_irqs);
}

static int cmd_virtio(int argc, char **argv)
{
	struct virtio_device *vdev = virtio_devices();

	if (argc != 1)
		return -EINVAL;
	if (!vdev)
		printk("virtio: no devices\n");
	for (; vdev; vdev = vdev->next)
		show(vdev);
	return 0;
}
SHELL_COMMAND(virtio, "", "list virtio devices: driver, features, queues, interrupts",
	      cmd_virtio);
