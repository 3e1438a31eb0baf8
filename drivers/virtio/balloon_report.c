/*
 * virtio-balloon free page reporting (VIRTIO_BALLOON_F_REPORTING): the
 * device side of mm's page reporting (include/ballast/page_reporting.h).
 *
 * One report is one element on the reporting queue: n device-writable
 * descriptors, one per block (its guest-physical address, its bytes). The
 * host drops the backing of each range (QEMU: MADV_DONTNEED or a punched
 * hole) and returns the element with used length 0; a later touch faults
 * in a zeroed page, so there is nothing to reclaim before reuse.
 *
 * Which queue: the spec numbers it 4 (after free-page-hint at 3), QEMU 7.2
 * compacts it to 3 when free-page-hint is off, and both have it last, so
 * it is queue num_queues - 1, provided that is past inflate, deflate and
 * (if used) stats, and no further than the spec's 4.
 *
 * PAGE_POISON is never negotiated (balloon.c): with a poison value the
 * host would keep the pages instead of dropping them (reporting a no-op),
 * and mm's poison check knows reported blocks come back as zeros.
 *
 * One element is out at a time (mm hands out one batch at a time). The
 * queue's callback (process context, virtio_poll) finishes it; drain()
 * polls the used ring for it, at most VB_REPORT_TIMEOUT_NS, and after a
 * drain timed out, later drains only look (the device may be stuck: an
 * allocation must not wait a second each time).
 */
#include <ballast/errno.h>
#include <ballast/page.h>
#include <ballast/page_reporting.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/virtio.h>
#include <ballast/virtio_balloon.h>
#include <linux/virtio_balloon.h>

/* The spec's index of the reporting queue (free-page-hint before it). */
#define VB_Q_REPORTING_SPEC 4

struct vb_report {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct page_reporting_dev dev;
	bool registered;
	bool out;               /* the device holds the element */
	bool stuck;             /* ...and a drain timed out waiting for it */
	unsigned int out_n;     /* blocks in it */
	u64 out_pages;
	const char *why_off;    /* no reporting: why (for `balloon`) */
	struct vb_report_counters c;
};

static struct vb_report vr;

static struct vb_report *to_vr(struct page_reporting_dev *dev)
{
	return container_of(dev, struct vb_report, dev);
}

/* The element came back with used length len: tell mm. */
static void finish(u32 len)
{
	bool ok = len == 0;

	vr.out = false;
	if (vr.stuck) {
		vr.stuck = false;
		vr.c.late++;
		pr_notice("virtio-balloon: reporting: the device answered a "
			  "report of %u blocks late\n", vr.out_n);
	}
	if (ok) {
		vr.c.pages_done += vr.out_pages;
	} else {
		vr.c.refused++;
		if (vr.c.refused == 1)
			pr_warn("virtio-balloon: reporting: the device returned a "
				"report with used length %u (0 expected): taken as "
				"refused\n", len);
	}
	page_reporting_done(&vr.dev, ok);
}

static int vr_report(struct page_reporting_dev *dev,
		     const struct reported_block *blocks, unsigned int n)
{
	struct vq_buf in[REPORTING_CAPACITY_MAX];
	u64 pages = 0;
	int err;

	if (to_vr(dev)->out)
		return -EBUSY;
	if (!n || n > dev->capacity)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (blocks[i].order < REPORTING_ORDER ||
		    blocks[i].order > MAX_ORDER)
			return -EINVAL;
		in[i].addr = PFN_PHYS(blocks[i].pfn);
		in[i].len = (u32)(PAGE_SIZE << blocks[i].order);
		pages += 1UL << blocks[i].order;
	}
	err = virtqueue_add(vr.vq, NULL, 0, in, n, &vr);
	if (err)
		return err;
	vr.out = true;
	vr.out_n = n;
	vr.out_pages = pages;
	vr.c.reports++;
	vr.c.blocks += n;
	vr.c.pages += pages;
	virtqueue_kick(vr.vq);
	return 0;
}

static int vr_drain(struct page_reporting_dev *dev)
{
	u64 t0 = clock_ns();
	u32 len = 0;
	int err;

	if (!to_vr(dev)->out)
		return 0;
	vr.c.drains++;
	err = virtqueue_wait(vr.vq, &vr, vr.stuck ? 0 : VB_REPORT_TIMEOUT_NS,
			     &len);
	vr.c.drain_ns += clock_ns() - t0;
	if (err) {
		vr.c.drain_timeouts++;
		if (!vr.stuck)
			pr_err("virtio-balloon: reporting: the device holds a "
			       "report of %u blocks after %llu ms\n", vr.out_n,
			       (unsigned long long)(VB_REPORT_TIMEOUT_NS /
						    NSEC_PER_MSEC));
		vr.stuck = true;
		return -ETIMEDOUT;
	}
	finish(len);
	return 0;
}

static void vr_done(struct virtqueue *vq)
{
	u32 len;

	while (virtqueue_get_used(vq, &len) == &vr)
		if (vr.out)
			finish(len);
}

/* The queue's index: see the top of the file. -ENOENT when there is none. */
static int queue_index(struct virtio_device *vdev)
{
	unsigned int nq = vdev->ops->num_queues(vdev);
	unsigned int first = virtio_has_feature(vdev, VIRTIO_BALLOON_F_STATS_VQ)
			     ? 3 : 2;

	if (nq < first + 1 || nq > VB_Q_REPORTING_SPEC + 1)
		return -ENOENT;
	return (int)(nq - 1);
}

int vb_report_setup(struct virtio_device *vdev)
{
	int idx, err = 0;

	memset(&vr, 0, sizeof(vr));
	vr.vdev = vdev;
	if (!virtio_has_feature(vdev, VIRTIO_BALLOON_F_REPORTING)) {
		vr.why_off = "the device does not offer it";
		return 0;
	}
	idx = queue_index(vdev);
	if (idx >= 0)
		vr.vq = virtqueue_setup(vdev, (unsigned int)idx, 0, "reporting",
					vr_done, &err);
	if (!vr.vq) {
		pr_warn("virtio-balloon: %s: reporting offered, but no reporting "
			"queue (%u queues: %s): no reporting\n", vdev->name,
			vdev->ops->num_queues(vdev),
			errno_name(idx < 0 ? idx : err));
		vr.why_off = "no reporting queue";
	}
	return 0;
}

void vb_report_start(void)
{
	int err;

	if (!vr.vq)
		return;
	vr.dev.name = "virtio-balloon";
	vr.dev.capacity = MIN((unsigned int)REPORTING_CAPACITY_MAX, vr.vq->size);
	vr.dev.report = vr_report;
	vr.dev.drain = vr_drain;
	vr.dev.reclaim = NULL; /* QEMU refaults zeroed memory */
	err = page_reporting_register(&vr.dev);
	if (err) {
		pr_warn("virtio-balloon: %s: free page reporting not started: "
			"%s\n", vr.vdev->name, errno_name(err));
		vr.why_off = err == -EBUSY ? "another device reports" :
			     "mm refused the device";
		return;
	}
	vr.registered = true;
}

void vb_report_show(void)
{
	const struct vb_report_counters *c = &vr.c;

	if (!vr.registered) {
		printk("reporting:   off (%s)\n",
		       vr.why_off ? vr.why_off : "not started");
		return;
	}
	printk("reporting:   queue %u (%u entries), %u blocks per report; "
	       "%llu reports, %llu blocks, %llu KiB, %llu refused%s\n",
	       vr.vq->idx, vr.vq->size, vr.dev.capacity,
	       (unsigned long long)c->reports, (unsigned long long)c->blocks,
	       (unsigned long long)(c->pages * (PAGE_SIZE / 1024)),
	       (unsigned long long)c->refused,
	       vr.out ? (vr.stuck ? "; the device holds one (stuck)" :
			 "; one out now") : "");
	printk("drains:      %llu drains, %llu timed out, %llu us waited, "
	       "%llu answered late\n",
	       (unsigned long long)c->drains,
	       (unsigned long long)c->drain_timeouts,
	       (unsigned long long)(c->drain_ns / 1000),
	       (unsigned long long)c->late);
}

const struct vb_report_counters *virtio_balloon_report_counters(void)
{
	return &vr.c;
}

#ifdef BALLAST_HOST
void vb_report_reset_for_test(void)
{
	memset(&vr, 0, sizeof(vr));
}
#endif
