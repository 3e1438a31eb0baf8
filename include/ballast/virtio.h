/*
 * virtio (drivers/virtio/): devices, drivers and split virtqueues, the way
 * Linux and lk divide them. A transport (drivers/virtio/pci.c, modern
 * virtio-pci; tests/unit/sim_virtio.c on the host) finds a device, fills a
 * struct virtio_device with its ops and calls virtio_add_device; the core
 * (virtio.c) binds it to the driver registered for its device id and runs
 * the driver's probe. A driver (balloon.c, later mem.c) registers with an
 * INIT_HOOK before the transports scan (INIT_LEVEL_MM, transports at
 * INIT_LEVEL_MM + 5).
 *
 * Generic code: no arch, PCI or Xen header. Constants come from Debian's
 * linux-libc-dev (<linux/virtio_config.h>, <linux/virtio_ring.h>,
 * <linux/virtio_ids.h>, ...). Everything on the wire is little-endian, as
 * is the only CPU ballast runs on.
 *
 * Interrupts only mark work: the transport's handler reads the ISR (which
 * also lowers the line) and calls virtio_interrupt(); the driver's
 * config_changed and vq callbacks run later in process context, from the
 * idle loop, like every deferred call.
 */
#ifndef BALLAST_VIRTIO_H
#define BALLAST_VIRTIO_H

#include <ballast/types.h>

struct virtio_device;
struct virtqueue;

/* What a transport gives the core; all in process context. */
struct virtio_config_ops {
	/* The device's 64 feature bits. */
	u64 (*get_features)(struct virtio_device *vdev);
	/* Write the driver's features, set FEATURES_OK and read it back:
	 * 0, or -EIO when the device refused the set. */
	int (*finalize_features)(struct virtio_device *vdev, u64 features);
	u8 (*get_status)(struct virtio_device *vdev);
	void (*set_status)(struct virtio_device *vdev, u8 status);
	/* Write 0 to the status and wait until it reads 0. */
	void (*reset)(struct virtio_device *vdev);
	/* Device-specific config, len 1..8 bytes at a time is not required:
	 * any length; consistent (config_generation retry) across the read. */
	void (*read_config)(struct virtio_device *vdev, unsigned int off,
			    void *buf, unsigned int len);
	void (*write_config)(struct virtio_device *vdev, unsigned int off,
			     const void *buf, unsigned int len);
	unsigned int (*num_queues)(struct virtio_device *vdev);
	/* Largest size of queue idx (0: no such queue). */
	unsigned int (*queue_max_size)(struct virtio_device *vdev, unsigned int idx);
	/* Tell the device where queue idx lives (guest physical) and enable
	 * it; 0 or a negative errno. */
	int (*enable_queue)(struct virtio_device *vdev, unsigned int idx,
			    unsigned int size, u64 desc, u64 avail, u64 used);
	/* Kick queue idx. */
	void (*notify)(struct virtio_device *vdev, unsigned int idx);
	/* Optional: let the device interrupt (after DRIVER_OK). */
	void (*enable_irq)(struct virtio_device *vdev);
};

struct virtio_device {
	u32 id;                  /* VIRTIO_ID_*: which device type */
	const char *name;        /* "virtio0": the transport names it */
	char where[24];          /* "pci 00:03.0 irq 11": for messages */
	const struct virtio_config_ops *ops;
	u64 features;            /* negotiated */
	const struct virtio_driver *drv;
	void *priv;              /* the driver's */
	struct virtqueue *vqs;   /* queues set up, linked through next */
	/* Interrupts seen, and what they said (virtio_interrupt). */
	u64 irqs, queue_irqs, config_irqs;
	volatile bool config_pending, queue_pending;
	struct virtio_device *next;
};

struct virtio_driver {
	const char *name;
	u32 device_id;           /* VIRTIO_ID_* it binds to */
	u64 features;            /* bits it implements (VERSION_1 included) */
	/* Bound: set up queues, read config, register with its subsystem,
	 * then virtio_device_ready(). A negative errno leaves the device
	 * reset (and FAILED) and says why in one line. */
	int (*probe)(struct virtio_device *vdev);
	/* The device's config changed (process context). */
	void (*config_changed)(struct virtio_device *vdev);
	struct virtio_driver *next;
};

/* A driver, from its INIT_HOOK; -EINVAL without probe, -EBUSY if its id
 * has one. */
int virtio_register_driver(struct virtio_driver *drv);
/* From a transport: bind and probe (0, -ENODEV when no driver wants it,
 * or the probe's error). The device is reset first. */
int virtio_add_device(struct virtio_device *vdev);
/* The devices found, in order (the `virtio` command). */
struct virtio_device *virtio_devices(void);

/*
 * The status dance up to FEATURES_OK: ACKNOWLEDGE, DRIVER, features =
 * device & driver (VIRTIO_F_VERSION_1 required: a device without it is
 * refused with -ENODEV and a clear line). Called by virtio_add_device
 * before probe; vdev->features holds the result.
 */
int virtio_negotiate(struct virtio_device *vdev, u64 driver_features);
/* DRIVER_OK (and the transport's interrupt on): the end of a probe. */
void virtio_device_ready(struct virtio_device *vdev);
/* FAILED, then reset: a driver that gives up on its device. */
void virtio_device_fail(struct virtio_device *vdev);
static inline bool virtio_has_feature(const struct virtio_device *vdev,
				      unsigned int bit)
{
	return vdev->features >> bit & 1;
}

/* From a transport's interrupt handler: isr bit 0 = queue, bit 1 = config.
 * Only marks work; virtio_poll() (an idle poll) runs the callbacks. */
void virtio_interrupt(struct virtio_device *vdev, u8 isr);
/* Run pending config and queue callbacks of every device (process
 * context); the core registers it as an idle poll, tests call it. */
void virtio_poll(void);

/* ---- split virtqueues (virtqueue.c) ------------------------------------ */

/* One buffer of a chain: guest-physical address and length. */
struct vq_buf {
	u64 addr;
	u32 len;
};

struct virtqueue {
	struct virtio_device *vdev;
	unsigned int idx, size;
	const char *name;
	/* Used-ring activity (process context, from virtio_poll); may be NULL. */
	void (*callback)(struct virtqueue *vq);
	void *ring;              /* desc, avail, used in one allocation */
	u64 ring_phys;
	unsigned int ring_order;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 free_head, num_free, last_used;
	u16 avail_idx;           /* next avail index; kick publishes it */
	void **tokens;           /* per head descriptor */
	/* Counted for the drivers' commands. */
	u64 added, completed, kicks, timeouts;
	struct virtqueue *next;
};

/*
 * Allocate and enable queue idx with at most max_size entries (0: the
 * device's size); the ring comes from the page allocator and stays until
 * virtqueue_free. NULL with *err set (-ENOENT: no such queue).
 */
struct virtqueue *virtqueue_setup(struct virtio_device *vdev, unsigned int idx,
				  unsigned int max_size, const char *name,
				  void (*callback)(struct virtqueue *vq),
				  int *err);
void virtqueue_free(struct virtqueue *vq);
/*
 * Queue one chain: out[] device-readable then in[] device-writable
 * buffers, token returned by virtqueue_get_used when the device is done.
 * -ENOSPC when the ring has fewer free descriptors, -EINVAL for none.
 */
int virtqueue_add(struct virtqueue *vq, const struct vq_buf *out,
		  unsigned int n_out, const struct vq_buf *in,
		  unsigned int n_in, void *token);
/* Publish what was added and notify the device (unless it said not to). */
void virtqueue_kick(struct virtqueue *vq);
/* Next chain the device finished: its token and *len written; NULL none. */
void *virtqueue_get_used(struct virtqueue *vq, u32 *len);
/*
 * Wait (process context, no deferred work runs meanwhile) until the device
 * returns token; 0 and *len, or -ETIMEDOUT after timeout_ns, the chain
 * still the device's (virtqueue_get_used returns it if it ever answers).
 * Other tokens that come back meanwhile are dropped with a warning.
 */
int virtqueue_wait(struct virtqueue *vq, void *token, u64 timeout_ns, u32 *len);

/* Between polls of a wait: the kernel pauses the CPU; the host simulator
 * lets its device run (and moves its clock). */
void virtio_wait_relax(void);

#ifdef BALLAST_HOST
/* Forget drivers and devices (each test builds its own). */
void virtio_reset_for_test(void);
#endif

#endif
