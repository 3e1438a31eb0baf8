/*
 * The virtio core and split virtqueues over the simulated device's queue 3
 * (a plain queue: each chain is answered at once, or after some polls):
 * ring indices wrapping over many uses, a full ring, notification
 * suppression, timeouts, set-up refusals, driver registration.
 */
#include "unit.h"
#include "virtio_test.h"
#include "sim_platform.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

static struct virtqueue *plain_queue(unsigned int size)
{
	struct virtqueue *vq;
	int err;

	vt_boot(VT_QEMU_FEATURES);
	svd.nq = 4;
	svd.q[3].max_size = size;
	svd.status = VIRTIO_CONFIG_S_DRIVER_OK;
	vq = virtqueue_setup(&svd.vdev, 3, 0, "plain", NULL, &err);
	CHECK(vq);
	CHECK_EQ(err, 0);
	return vq;
}

TEST(virtqueue_wraps_over_many_uses)
{
	struct virtqueue *vq = plain_queue(8);
	static char tok[4];
	struct vq_buf b[3] = { { 0x1000, 8 }, { 0x2000, 16 }, { 0x3000, 4 } };

	for (unsigned int i = 0; i < 200000; i++) {
		unsigned int n_out = i % 2 + 1, n_in = i % 3 == 0;
		u32 len = 99;

		CHECK_EQ(virtqueue_add(vq, b, n_out, b + 2, n_in, &tok[i % 4]), 0);
		virtqueue_kick(vq);
		CHECK(virtqueue_get_used(vq, &len) == &tok[i % 4]);
		CHECK_EQ(len, 0);
		CHECK(!virtqueue_get_used(vq, &len));
		CHECK_EQ(vq->num_free, 8);
	}
	CHECK_EQ(vq->added, 200000);
	CHECK_EQ(vq->completed, 200000);
	CHECK_EQ(vq->last_used, (u16)200000);
	virtqueue_free(vq);
	CHECK(!svd.vdev.vqs);
}

TEST(virtqueue_full_ring_is_enospc)
{
	struct virtqueue *vq = plain_queue(4);
	static char tok[8];
	struct vq_buf b[3] = { { 0x1000, 8 }, { 0x2000, 8 }, { 0x3000, 8 } };
	u32 len;

	svd.delay_polls = 1000000; /* the device sits on them */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(virtqueue_add(vq, b, 1, NULL, 0, &tok[i]), 0);
	CHECK_EQ(virtqueue_add(vq, b, 1, NULL, 0, &tok[4]), -ENOSPC);
	CHECK_EQ(virtqueue_add(vq, b, 0, NULL, 0, &tok[4]), -EINVAL);
	virtqueue_kick(vq);
	sim_virtio_run();
	for (int i = 0; i < 4; i++)
		CHECK(virtqueue_get_used(vq, &len) == &tok[i]);
	CHECK_EQ(virtqueue_add(vq, b, 3, NULL, 0, &tok[5]), 0);
	CHECK_EQ(virtqueue_add(vq, b, 2, NULL, 0, &tok[6]), -ENOSPC);
	CHECK_EQ(virtqueue_add(vq, b, 1, NULL, 0, &tok[6]), 0);
	virtqueue_kick(vq);
	sim_virtio_run();
	CHECK(virtqueue_get_used(vq, &len) == &tok[5]);
	CHECK(virtqueue_get_used(vq, &len) == &tok[6]);
	CHECK_EQ(vq->num_free, 4);
}

TEST(virtqueue_no_notify_and_timeout)
{
	struct virtqueue *vq = plain_queue(8);
	static char tok;
	struct vq_buf b = { 0x1000, 8 };
	u32 len;

	vq->used->flags = VRING_USED_F_NO_NOTIFY;
	CHECK_EQ(virtqueue_add(vq, &b, 1, NULL, 0, &tok), 0);
	virtqueue_kick(vq);
	CHECK_EQ(svd.notifies, 0);
	CHECK_EQ(virtqueue_wait(vq, &tok, 1000000000ULL, &len), -ETIMEDOUT);
	CHECK_EQ(vq->timeouts, 1);
	vq->used->flags = 0;
	virtqueue_kick(vq); /* the device looks now: the late answer is there */
	CHECK(virtqueue_get_used(vq, &len) == &tok);
	svd.delay_polls = 10;
	CHECK_EQ(virtqueue_add(vq, &b, 1, NULL, 0, &tok), 0);
	virtqueue_kick(vq);
	CHECK_EQ(virtqueue_wait(vq, &tok, 1000000000ULL, &len), 0);
}

TEST(virtqueue_setup_refusals)
{
	struct virtqueue *vq;
	int err;

	plain_queue(8);
	CHECK(!virtqueue_setup(&svd.vdev, 3, 0, "again", NULL, &err));
	CHECK_EQ(err, -EBUSY);
	CHECK(!virtqueue_setup(&svd.vdev, 9, 0, "none", NULL, &err));
	CHECK_EQ(err, -ENOENT);
	svd.q[1].max_size = 0;
	CHECK(!virtqueue_setup(&svd.vdev, 1, 0, "size 0", NULL, &err));
	CHECK_EQ(err, -ENOENT);
	vq = virtqueue_setup(&svd.vdev, 0, 5, "five", NULL, &err);
	CHECK(vq);
	CHECK_EQ(vq->size, 4); /* a power of two, at most what was asked */
	CHECK_EQ(svd.q[0].size, 4);
}

static int probe_ok(struct virtio_device *vdev)
{
	virtio_device_ready(vdev);
	return 0;
}

TEST(virtio_driver_registration)
{
	static struct virtio_driver a = { .name = "a", .device_id = 77,
					  .probe = probe_ok };
	static struct virtio_driver b = { .name = "b", .device_id = 77,
					  .probe = probe_ok };
	static struct virtio_driver none = { .name = "none", .device_id = 78 };

	vt_boot(VT_QEMU_FEATURES);
	CHECK_EQ(virtio_register_driver(&none), -EINVAL);
	CHECK_EQ(virtio_register_driver(&a), 0);
	CHECK_EQ(virtio_register_driver(&b), -EBUSY);
	/* A device nobody drives is listed, and left alone. */
	unit_log_clear();
	CHECK_EQ(virtio_add_device(&svd.vdev), -ENODEV);
	CHECK(strstr(unit_log(), "no driver"));
	CHECK(virtio_devices() == &svd.vdev);
	CHECK(!svd.vdev.drv);
	svd.vdev.id = 77;
	CHECK_EQ(virtio_add_device(&svd.vdev), 0);
	CHECK(svd.vdev.drv == &a);
	CHECK(virtio_devices() == &svd.vdev && !svd.vdev.next);
	CHECK_EQ(svd.vdev.features, 1ULL << VIRTIO_F_VERSION_1);
	CHECK(svd.status & VIRTIO_CONFIG_S_DRIVER_OK);
}

TEST(virtio_interrupt_marks_and_poll_runs)
{
	vt_boot_added(VT_QEMU_FEATURES);
	u64 irqs = svd.vdev.irqs;

	virtio_interrupt(&svd.vdev, 0);
	virtio_interrupt(&svd.vdev, 3);
	CHECK_EQ(svd.vdev.irqs, irqs + 2);
	CHECK(svd.vdev.config_pending && svd.vdev.queue_pending);
	virtio_poll();
	CHECK(!svd.vdev.config_pending && !svd.vdev.queue_pending);
}
