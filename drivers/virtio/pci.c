/*
 * Modern virtio-pci (virtio 1.x, "Virtio Over PCI Bus"): the transport
 * that finds virtio devices on PCI and gives the core their
 * virtio_config_ops. Only the capability-described layout: the common,
 * notify, ISR and device-specific regions, each in a memory BAR, mapped
 * uncached. A transitional device's legacy BAR0 is never used; a device
 * without the modern capabilities is named and left alone.
 *
 * Interrupts: INTx only (QEMU 7.2 gives the balloon and virtio-mem no
 * MSI-X), the line firmware wrote to configuration register 0x3c,
 * level-triggered and shared. The handler reads the ISR byte, which
 * clears it and lowers the line, and hands it to virtio_interrupt(). A
 * device without a usable line, or whose line was masked after a storm,
 * has its ISR polled from the idle loop instead.
 *
 * Every number the device supplies (BAR index, offsets, lengths, queue
 * counts and notify offsets) is checked against what was mapped before it
 * is used.
 */
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/io.h>
#include <ballast/irq.h>
#include <ballast/pci.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/virtio.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#define VP_VENDOR 0x1af4       /* Red Hat / Qumranet: every virtio device */
#define VP_DEV_FIRST 0x1000    /* 0x1000..0x103f transitional */
#define VP_DEV_MODERN 0x1040   /* 0x1040 + device id: modern only */
#define VP_DEV_LAST 0x107f

#define VP_MAX_DEVICES 8
#define VP_MAX_QUEUES 16
#define VP_DEVICE_CFG_MAX 4096 /* device-specific config mapped at most */
#define VP_NOTIFY_MAX (64 * KiB)
#define VP_RESET_TIMEOUT_NS (1 * NSEC_PER_SEC)
#define VP_RESET_SPINS 10000000 /* without a clock */
#define VP_CONFIG_TRIES 64      /* config_generation changing under us */

struct vp_region {
	volatile u8 *va;
	u32 len; /* mapped */
};

struct vp_dev {
	struct virtio_device vdev;
	struct pci_dev *pci;
	struct vp_region common, isr, device, notify;
	u32 notify_mult;
	u32 notify_off[VP_MAX_QUEUES]; /* byte offset in notify, per queue */
	u32 queues_enabled;            /* bit per queue */
	struct irq_action irq;
	bool irq_on, polled, storm_told;
	char name[12];
};

static struct vp_dev vps[VP_MAX_DEVICES];
static unsigned int nr_vps;

static struct vp_dev *to_vp(struct virtio_device *vdev)
{
	return container_of(vdev, struct vp_dev, vdev);
}

static volatile u8 *common(struct vp_dev *vp, unsigned int off)
{
	return vp->common.va + off;
}

/* ---- config ops ------------------------------------------------------- */

static u64 vp_get_features(struct virtio_device *vdev)
{
	struct vp_dev *vp = to_vp(vdev);
	u32 lo, hi;

	writel(0, common(vp, VIRTIO_PCI_COMMON_DFSELECT));
	lo = readl(common(vp, VIRTIO_PCI_COMMON_DF));
	writel(1, common(vp, VIRTIO_PCI_COMMON_DFSELECT));
	hi = readl(common(vp, VIRTIO_PCI_COMMON_DF));
	return (u64)hi << 32 | lo;
}

static u8 vp_get_status(struct virtio_device *vdev)
{
	return readb(common(to_vp(vdev), VIRTIO_PCI_COMMON_STATUS));
}

static void vp_set_status(struct virtio_device *vdev, u8 status)
{
	writeb(status, common(to_vp(vdev), VIRTIO_PCI_COMMON_STATUS));
}

static int vp_finalize_features(struct virtio_device *vdev, u64 features)
{
	struct vp_dev *vp = to_vp(vdev);

	writel(0, common(vp, VIRTIO_PCI_COMMON_GFSELECT));
	writel((u32)features, common(vp, VIRTIO_PCI_COMMON_GF));
	writel(1, common(vp, VIRTIO_PCI_COMMON_GFSELECT));
	writel(features >> 32, common(vp, VIRTIO_PCI_COMMON_GF));
	vp_set_status(vdev, vp_get_status(vdev) | VIRTIO_CONFIG_S_FEATURES_OK);
	/* The device clears FEATURES_OK when it refuses the set. */
	return vp_get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK ? 0 : -EIO;
}

static void vp_reset(struct virtio_device *vdev)
{
	struct vp_dev *vp = to_vp(vdev);
	u64 deadline = clock_ns() + VP_RESET_TIMEOUT_NS;
	u8 status;

	vp_set_status(vdev, 0);
	for (u32 spins = 0; (status = vp_get_status(vdev)); spins++) {
		u64 now = clock_ns();

		if (now ? now > deadline : spins > VP_RESET_SPINS) {
			pr_err("virtio-pci: %s: reset not done after 1 s (status %#x)\n",
			       vdev->name, status);
			break;
		}
		virtio_wait_relax();
	}
	vp->queues_enabled = 0;
}

/* The widest access that the offset's alignment and the length allow:
 * 32-bit fields read with one aligned 32-bit access, as the spec asks. */
static unsigned int access_width(unsigned int off, unsigned int left)
{
	if (off % 4 == 0 && left >= 4)
		return 4;
	return off % 2 == 0 && left >= 2 ? 2 : 1;
}

static void copy_from_device(struct vp_dev *vp, unsigned int off, u8 *buf,
			     unsigned int len)
{
	for (unsigned int i = 0, w; i < len; i += w) {
		volatile u8 *p = vp->device.va + off + i;
		u32 v;

		w = access_width(off + i, len - i);
		v = w == 4 ? readl(p) : w == 2 ? readw(p) : readb(p);
		memcpy(buf + i, &v, w);
	}
}

static bool config_range_ok(struct vp_dev *vp, unsigned int off, unsigned int len)
{
	if (vp->device.va && off <= vp->device.len && len <= vp->device.len - off)
		return true;
	pr_warn("virtio-pci: %s: device config %u+%u beyond its %u bytes\n",
		vp->vdev.name, off, len, vp->device.len);
	return false;
}

static void vp_read_config(struct virtio_device *vdev, unsigned int off,
			   void *buf, unsigned int len)
{
	struct vp_dev *vp = to_vp(vdev);
	volatile u8 *gen = common(vp, VIRTIO_PCI_COMMON_CFGGENERATION);
	u8 before;

	if (!config_range_ok(vp, off, len)) {
		memset(buf, 0, len);
		return;
	}
	/* A multi-access read is one snapshot only if the generation held. */
	for (unsigned int tries = 0; tries < VP_CONFIG_TRIES; tries++) {
		before = readb(gen);
		copy_from_device(vp, off, buf, len);
		if (readb(gen) == before)
			return;
	}
	pr_warn("virtio-pci: %s: device config kept changing over %u reads\n",
		vdev->name, VP_CONFIG_TRIES);
}

static void vp_write_config(struct virtio_device *vdev, unsigned int off,
			    const void *buf, unsigned int len)
{
	struct vp_dev *vp = to_vp(vdev);
	const u8 *src = buf;

	if (!config_range_ok(vp, off, len))
		return;
	for (unsigned int i = 0, w; i < len; i += w) {
		volatile u8 *p = vp->device.va + off + i;
		u32 v = 0;

		w = access_width(off + i, len - i);
		memcpy(&v, src + i, w);
		if (w == 4)
			writel(v, p);
		else if (w == 2)
			writew(v, p);
		else
			writeb(v, p);
	}
}

static unsigned int vp_num_queues(struct virtio_device *vdev)
{
	return readw(common(to_vp(vdev), VIRTIO_PCI_COMMON_NUMQ));
}

static unsigned int vp_queue_max_size(struct virtio_device *vdev,
				      unsigned int idx)
{
	struct vp_dev *vp = to_vp(vdev);

	if (idx >= vp_num_queues(vdev))
		return 0;
	writew(idx, common(vp, VIRTIO_PCI_COMMON_Q_SELECT));
	return readw(common(vp, VIRTIO_PCI_COMMON_Q_SIZE));
}

static void write64(struct vp_dev *vp, unsigned int lo, unsigned int hi, u64 v)
{
	writel((u32)v, common(vp, lo));
	writel(v >> 32, common(vp, hi));
}

static int vp_enable_queue(struct virtio_device *vdev, unsigned int idx,
			   unsigned int size, u64 desc, u64 avail, u64 used)
{
	struct vp_dev *vp = to_vp(vdev);
	unsigned int max = vp_queue_max_size(vdev, idx); /* selects idx */
	u64 off;

	if (!max)
		return -ENOENT;
	if (idx >= VP_MAX_QUEUES) {
		pr_err("virtio-pci: %s: queue %u: only %u queues supported\n",
		       vdev->name, idx, VP_MAX_QUEUES);
		return -ENOSPC;
	}
	if (!size || size > max || (size & (size - 1)))
		return -EINVAL;
	if (readw(common(vp, VIRTIO_PCI_COMMON_Q_ENABLE)))
		return -EBUSY;
	off = (u64)readw(common(vp, VIRTIO_PCI_COMMON_Q_NOFF)) * vp->notify_mult;
	if (off + 2 > vp->notify.len) {
		pr_err("virtio-pci: %s: queue %u notifies at %#llx, past the %#x "
		       "bytes mapped\n", vdev->name, idx, (unsigned long long)off,
		       vp->notify.len);
		return -EIO;
	}
	writew(size, common(vp, VIRTIO_PCI_COMMON_Q_SIZE));
	write64(vp, VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_DESCHI, desc);
	write64(vp, VIRTIO_PCI_COMMON_Q_AVAILLO, VIRTIO_PCI_COMMON_Q_AVAILHI, avail);
	write64(vp, VIRTIO_PCI_COMMON_Q_USEDLO, VIRTIO_PCI_COMMON_Q_USEDHI, used);
	vp->notify_off[idx] = off;
	writew(1, common(vp, VIRTIO_PCI_COMMON_Q_ENABLE));
	vp->queues_enabled |= 1u << idx;
	return 0;
}

static void vp_notify(struct virtio_device *vdev, unsigned int idx)
{
	struct vp_dev *vp = to_vp(vdev);

	if (idx < VP_MAX_QUEUES && vp->queues_enabled >> idx & 1)
		writew(idx, vp->notify.va + vp->notify_off[idx]);
}

/* ---- interrupts --------------------------------------------------------- */

static bool vp_irq(void *arg)
{
	struct vp_dev *vp = arg;
	u8 isr = readb(vp->isr.va); /* reading clears it, lowers INTx */

	if (!isr)
		return false; /* another device on the shared line */
	virtio_interrupt(&vp->vdev, isr);
	return true;
}

/* A line the PIC can deliver: not the timer, keyboard or cascade. */
static bool line_usable(const struct pci_dev *pci)
{
	u8 l = pci->irq_line;

	return pci->irq_pin && l < 16 && l != 0 && l != 1 && l != 2 && l != 8 &&
	       l != 13;
}

static void vp_enable_irq(struct virtio_device *vdev)
{
	struct vp_dev *vp = to_vp(vdev);
	int err;

	if (vp->irq_on || vp->polled)
		return;
	vp->irq = (struct irq_action){ .handler = vp_irq, .arg = vp,
				       .name = vp->name };
	err = irq_line_request(vp->pci->irq_line, &vp->irq, true);
	if (err) {
		pr_warn("virtio-pci: %s: irq %u: %s: polling instead\n",
			vdev->name, vp->pci->irq_line, errno_name(err));
		vp->polled = true;
		return;
	}
	vp->irq_on = true;
	irq_line_unmask(vp->pci->irq_line);
}

/*
 * The idle loop's look at devices that cannot interrupt: their ISR, so a
 * config change (the balloon's new target) is seen at the next wake-up.
 */
static void vp_poll(void)
{
	for (unsigned int i = 0; i < nr_vps; i++) {
		struct vp_dev *vp = &vps[i];
		u8 isr;

		if (!vp->vdev.drv)
			continue;
		if (vp->irq_on && irq_line_dead(vp->pci->irq_line)) {
			if (!vp->storm_told)
				pr_err("virtio-pci: %s: irq %u masked after an "
				       "interrupt storm nobody claimed: polling\n",
				       vp->name, vp->pci->irq_line);
			vp->storm_told = true;
		} else if (!vp->polled) {
			continue;
		}
		if ((isr = readb(vp->isr.va)))
			virtio_interrupt(&vp->vdev, isr);
	}
}

static struct idle_poll vp_idle_poll = { .fn = vp_poll };

static const struct virtio_config_ops vp_ops = {
	.get_features = vp_get_features,
	.finalize_features = vp_finalize_features,
	.get_status = vp_get_status,
	.set_status = vp_set_status,
	.reset = vp_reset,
	.read_config = vp_read_config,
	.write_config = vp_write_config,
	.num_queues = vp_num_queues,
	.queue_max_size = vp_queue_max_size,
	.enable_queue = vp_enable_queue,
	.notify = vp_notify,
	.enable_irq = vp_enable_irq,
};

/* ---- discovery ---------------------------------------------------------- */

#define CAP_FIELD(pos, field) ((pos) + offsetof(struct virtio_pci_cap, field))

/*
 * Map the part of the region a capability at pos describes that ballast
 * uses (at most `want` bytes, at least `need`). 0, or why not.
 */
static int map_cap(struct vp_dev *vp, unsigned int pos, struct vp_region *r,
		   u32 need, u32 want)
{
	const struct pci_dev *pci = vp->pci;
	u8 bar = pci_read8(pci, CAP_FIELD(pos, bar));
	u32 off = pci_read32(pci, CAP_FIELD(pos, offset));
	u32 len = pci_read32(pci, CAP_FIELD(pos, length));
	const struct pci_bar *b;

	if (bar >= PCI_NUM_BARS)
		return -EINVAL; /* reserved values: to be ignored */
	b = &pci->bar[bar];
	if (b->io || !b->base || !b->size)
		return -EINVAL;
	if (len < need || off > b->size || len > b->size - off)
		return -ERANGE;
	len = MIN(len, want);
	r->va = arch_ioremap(b->base + off, len);
	if (!r->va)
		return -ENOMEM;
	r->len = len;
	return 0;
}

static void map_one_cap(struct vp_dev *vp, unsigned int pos)
{
	const struct pci_dev *pci = vp->pci;
	u8 type = pci_read8(pci, CAP_FIELD(pos, cfg_type));
	u8 cap_len = pci_read8(pci, CAP_FIELD(pos, cap_len));

	if (cap_len < sizeof(struct virtio_pci_cap))
		return;
	/* The first usable capability of each type counts (spec 4.1.4). */
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		if (!vp->common.va)
			map_cap(vp, pos, &vp->common, sizeof(struct virtio_pci_common_cfg),
				sizeof(struct virtio_pci_common_cfg));
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		if (!vp->isr.va)
			map_cap(vp, pos, &vp->isr, 1, 1);
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		if (!vp->device.va)
			map_cap(vp, pos, &vp->device, 1, VP_DEVICE_CFG_MAX);
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		if (vp->notify.va || cap_len < sizeof(struct virtio_pci_notify_cap))
			break;
		if (!map_cap(vp, pos, &vp->notify, 2, VP_NOTIFY_MAX))
			vp->notify_mult = pci_read32(pci, pos +
				offsetof(struct virtio_pci_notify_cap, notify_off_multiplier));
		break;
	}
}

static int map_caps(struct vp_dev *vp)
{
	unsigned int pos = 0, n = 0;

	while (n++ < PCI_MAX_CAPS &&
	       (pos = pci_find_next_capability(vp->pci, pos, PCI_CAP_ID_VNDR)))
		map_one_cap(vp, pos);
	if (!vp->common.va || !vp->notify.va || !vp->isr.va) {
		pr_warn("virtio-pci %02x:%02x.%u: %04x:%04x without usable modern "
			"capabilities (common %s, notify %s, isr %s; legacy-only?): "
			"ignored\n", vp->pci->bus, vp->pci->dev, vp->pci->fn,
			vp->pci->vendor, vp->pci->device, vp->common.va ? "ok" : "none",
			vp->notify.va ? "ok" : "none", vp->isr.va ? "ok" : "none");
		return -ENODEV;
	}
	return 0;
}

/* Modern ids are 0x1040 + the virtio id; a transitional device carries
 * it in its subsystem id (0x1002 / 5 for the balloon). */
static u32 device_id(const struct pci_dev *pci)
{
	if (pci->device >= VP_DEV_MODERN)
		return pci->device - VP_DEV_MODERN;
	return pci->subsys_device;
}

static void probe_one(struct pci_dev *pci)
{
	struct vp_dev *vp;

	if (nr_vps == VP_MAX_DEVICES) {
		pr_warn("virtio-pci %02x:%02x.%u: more than %u devices: ignored\n",
			pci->bus, pci->dev, pci->fn, VP_MAX_DEVICES);
		return;
	}
	vp = &vps[nr_vps];
	*vp = (struct vp_dev){ .pci = pci };
	pci_size_bars(pci);
	if (map_caps(vp))
		return;
	pci_enable_device(pci);
	ksnprintf(vp->name, sizeof(vp->name), "virtio%u", nr_vps);
	vp->polled = !line_usable(pci);
	if (vp->polled)
		ksnprintf(vp->vdev.where, sizeof(vp->vdev.where),
			  "pci %02x:%02x.%u polled", pci->bus, pci->dev, pci->fn);
	else
		ksnprintf(vp->vdev.where, sizeof(vp->vdev.where),
			  "pci %02x:%02x.%u irq %u", pci->bus, pci->dev, pci->fn,
			  pci->irq_line);
	vp->vdev.id = device_id(pci);
	vp->vdev.name = vp->name;
	vp->vdev.ops = &vp_ops;
	nr_vps++;
	virtio_add_device(&vp->vdev); /* says itself what became of it */
}

static int virtio_pci_init(void)
{
	struct pci_dev *pci;
	unsigned int i = 0;

	while ((pci = pci_find_device(VP_VENDOR, VP_DEV_FIRST, VP_DEV_LAST, i, &i)))
		probe_one(pci);
	if (!nr_vps)
		return -ENODEV;
	idle_poll_register(&vp_idle_poll);
	return 0;
}
/* After the drivers (INIT_LEVEL_MM) registered. */
INIT_HOOK(virtio_pci, virtio_pci_init, INIT_LEVEL_MM + 5);
