/*
 * virtio-balloon (device id 5): a backend of the generic balloon core
 * (drivers/balloon/). The host's target is the config field num_pages
 * (pages it wants in the balloon); the guest's target is its RAM pages less
 * that. Inflate (the core's decrease) sends le32 pfns on queue 0, deflate
 * (populate) on queue 1; `actual` (config offset 4) says after every batch
 * how many pages the balloon holds. The stats queue (2) is answered with
 * the allocator's figures.
 *
 * One element is in flight at a time, as many pfns per element as
 * VB_PFNS_PER_ELEM (QEMU takes a buffer of any length); each waits for the
 * device at most VB_TIMEOUT_NS, polling the used ring (no deferred work
 * runs meanwhile, so nothing re-enters the balloon).
 *
 * What an element's fate means for its pages:
 *   answered, used len 0    done (the normal case; QEMU always says 0)
 *   answered, used len > 0  not a thing QEMU does; taken as the device
 *                           refusing the element: inflate, the pages stay
 *                           the guest's; deflate, they stay ballooned.
 *   no answer in time       the device keeps the buffer and may act on it
 *                           later. Inflate: the pages count as given (the
 *                           guest must not touch what the host may discard).
 *                           Deflate: they stay ballooned, with or
 *                           without MUST_TELL_HOST (the spec would let
 *                           the guest reuse them without it, but the host
 *                           may not have acted yet, and a page the host
 *                           holds is never touched). Until the buffer comes back every
 *                           call fails (-EIO), so the core stops and backs
 *                           off. If a deflate that kept its pages ballooned
 *                           comes back late, the host has let go of pages
 *                           the guest still counts as ballooned: they are
 *                           inflated again, so both sides agree.
 * Either way no page is reused while the host may still take it, and none
 * is counted twice.
 *
 * No scrub (QEMU discards inflated pages; the guest reads zeros after
 * deflate), and PAGE_POISON is never accepted: the DEBUG build fills free
 * pages with a pattern, which the core rewrites when it frees deflated
 * pages anyway, and the host need not keep it (nor would it drop reported
 * pages: balloon_report.c). No hot-add: that is virtio-mem's job.
 *
 * Free page reporting (REPORTING, when the device offers it) is in
 * balloon_report.c: a queue of its own, a device of mm's page reporting.
 */
#include <ballast/arch_mm.h>
#include <ballast/balloon.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/virtio.h>
#include <ballast/virtio_balloon.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>


#define VB_Q_INFLATE 0
#define VB_Q_DEFLATE 1
#define VB_Q_STATS 2

/* The buffer: 16 KiB of le32 pfns (order 2). */
#define VB_BUF_ORDER 2
#define VB_MAX_PFNS ((PAGE_SIZE << VB_BUF_ORDER) / sizeof(u32))

struct vb_stats_buf {
	struct virtio_balloon_stat s[VIRTIO_BALLOON_S_NR];
};

struct vb {
	struct virtio_device *vdev;
	struct virtqueue *vq[3];
	u32 *buf;                  /* pfns of the element in flight */
	unsigned int buf_n;        /* pfns in it */
	struct virtqueue *late;    /* the queue the device holds buf on */
	bool late_kept;            /* ...a deflate whose pages stayed ballooned */
	bool reinflate;            /* it came back: buf's pfns to inflate again */
	struct vb_stats_buf *stats;
	bool stats_out;            /* the device holds the stats buffer */
	unsigned int per_elem;
	u32 num_pages;             /* the host's last word */
	bool have_num_pages;
	u64 held;                  /* pages in the balloon, as `actual` says */
	bool said_stuck, said_big, said_refused;
	struct vb_counters c;
};

static struct vb vb;

/* ---- the device ---------------------------------------------------------- */

static void write_actual(void)
{
	u32 want = (u32)vb.held, got = 0;
	u64 t0 = clock_ns();

	for (int i = 0; i < 2; i++) {
		vb.vdev->ops->write_config(vb.vdev,
			offsetof(struct virtio_balloon_config, actual), &want, 4);
		vb.vdev->ops->read_config(vb.vdev,
			offsetof(struct virtio_balloon_config, actual), &got, 4);
		if (got == want) {
			vb.c.actual_ns += clock_ns() - t0;
			return;
		}
	}
	vb.c.actual_ns += clock_ns() - t0;
	vb.c.actual_mismatch++;
	pr_warn("virtio-balloon: wrote actual %u, the device reads back %u\n",
		want, got);
}

/*
 * Wait for buf on vq. 0 and *len, or -ETIMEDOUT (the device keeps it).
 * virtqueue_wait is not used: anything else coming back here is a device
 * bug it would only warn about, and the time is counted.
 */
static int wait_buf(struct virtqueue *vq, u32 *len)
{
	u64 t0 = clock_ns();
	int err = virtqueue_wait(vq, vb.buf, VB_TIMEOUT_NS, len);

	vb.c.wait_ns += clock_ns() - t0;
	vb.c.round_trips++;
	return err;
}

/* Queue buf on vq and wait: 0 (done), -EIO (refused), -ETIMEDOUT. */
static int send_buf(struct virtqueue *vq, unsigned int n, bool kept)
{
	struct vq_buf b = { virt_to_phys(vb.buf), (u32)(n * sizeof(u32)) };
	u32 len = 0;
	u64 t0;
	int err = virtqueue_add(vq, &b, 1, NULL, 0, vb.buf);

	if (err)
		return err;
	vb.buf_n = n;
	t0 = clock_ns();
	virtqueue_kick(vq);
	vb.c.notify_ns += clock_ns() - t0;
	vb.c.elements++;
	vb.c.pfns_sent += n;
	err = wait_buf(vq, &len);
	if (err == -ETIMEDOUT) {
		vb.late = vq;
		vb.late_kept = kept;
		vb.said_stuck = false;
		vb.c.timeouts++;
		pr_err("virtio-balloon: %s: the device did not answer an element "
		       "of %u pfns in %llu ms: no more requests until it does\n",
		       vq->name, n, (unsigned long long)(VB_TIMEOUT_NS / NSEC_PER_MSEC));
		return err;
	}
	if (len) {
		vb.c.refused++;
		if (!vb.said_refused)
			pr_warn("virtio-balloon: %s: the device returned an element "
				"with used length %u (0 expected): taken as refused\n",
				vq->name, len);
		vb.said_refused = true;
		return -EIO;
	}
	return 0;
}

/*
 * The buffer the device kept came back (or not yet). A deflate whose pages
 * stayed ballooned is inflated again: they are still ballooned, since no
 * call ran while the device held the buffer.
 */
static void reap_late(void)
{
	struct virtqueue *vq = vb.late;
	u32 len;

	if (vq) {
		if (virtqueue_get_used(vq, &len) != vb.buf)
			return;
		vb.late = NULL;
		vb.c.late++;
		pr_notice("virtio-balloon: %s: the device answered late (%u pfns)\n",
			  vq->name, vb.buf_n);
		vb.reinflate = vq == vb.vq[VB_Q_DEFLATE] && vb.late_kept && !len;
	}
	/* Until the device takes them (a refusal is tried again next time). */
	if (vb.reinflate && send_buf(vb.vq[VB_Q_INFLATE], vb.buf_n, false) != -EIO)
		vb.reinflate = false;
	vb.c.owed = vb.reinflate ? vb.buf_n : 0;
}

/* ---- the core's calls -------------------------------------------------- */

static long refuse_stuck(void)
{
	if (!vb.said_stuck)
		pr_err("virtio-balloon: the device %s: not sending more\n",
		       vb.late ? "still holds an element" :
		       "refuses to take back pages it let go of late");
	vb.said_stuck = true;
	return -EIO;
}

static unsigned long pfn_at(const unsigned long *pfns, unsigned int order,
			    unsigned long i)
{
	return pfns[i >> order] + (i & ((1UL << order) - 1));
}

/*
 * Pages [from, from + n) of the list into the buffer; false when a pfn does
 * not fit the device's le32 (above 16 TiB).
 */
static bool fill(const unsigned long *pfns, unsigned int order,
		 unsigned long from, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++) {
		unsigned long pfn = pfn_at(pfns, order, from + k);

		if (pfn > 0xffffffffUL) {
			if (!vb.said_big)
				pr_err("virtio-balloon: pfn %#lx is beyond what "
				       "the device can name: not sent\n", pfn);
			vb.said_big = true;
			return false;
		}
		vb.buf[k] = (u32)pfn;
	}
	return true;
}

/*
 * Move nr extents of 2^order pages through queue q; returns the pages done
 * (see the top of the file for what done means).
 */
static unsigned long transfer(unsigned int q, const unsigned long *pfns,
			      unsigned long nr, unsigned int order)
{
	unsigned long pages = nr << order, done = 0;
	unsigned int per = vb.per_elem;
	bool inflate = q == VB_Q_INFLATE;

	/* Elements hold whole extents, so an extent is done whole or not at
	 * all (the core's backend contract). */
	if (order)
		per = MAX(per & ~((1U << order) - 1), 1U << order);
	while (done < pages) {
		unsigned int n = (unsigned int)MIN((unsigned long)per, pages - done);
		bool kept = !inflate; /* a late deflate keeps its pages */
		int err;

		if (!fill(pfns, order, done, n))
			break;
		err = send_buf(vb.vq[q], n, kept);
		/* held follows what the guest counts as ballooned. */
		if (!err || (err == -ETIMEDOUT && !kept)) {
			done += n;
			vb.held = inflate ? vb.held + n : vb.held - n;
		}
		if (err)
			break;
	}
	return done;
}

/* Around each call: late answers first, `actual` after, both timed. */
static long call(unsigned int q, const unsigned long *pfns, unsigned long nr,
		 unsigned int order)
{
	u64 t0 = clock_ns();
	unsigned long done;

	reap_late();
	if (vb.late || vb.reinflate) {
		write_actual();
		return refuse_stuck();
	}
	if (!nr)
		return 0;
	done = transfer(q, pfns, nr, order);
	write_actual();
	vb.c.calls++;
	vb.c.total_ns += clock_ns() - t0;
	/* Never -ETIMEDOUT: to the core that means "reuse them all" when
	 * tell_before_reuse is false, and a late deflate keeps its pages. */
	if (!done && vb.late)
		return -EIO;
	return (long)(done >> order);
}

static long vb_decrease(const unsigned long *pfns, unsigned long nr,
			unsigned int order)
{
	return call(VB_Q_INFLATE, pfns, nr, order);
}

static long vb_populate(const unsigned long *pfns, unsigned long nr,
			unsigned int order)
{
	return call(VB_Q_DEFLATE, pfns, nr, order);
}

/*
 * The device sets no limit of its own (host_limit false); for a core that
 * still asks: the guest's RAM, and what it has of it.
 */
static u64 ram_pages(void)
{
	struct mm_stats st;

	mm_get_stats(&st);
	return st.present;
}

static u64 vb_max_pages(void)
{
	return ram_pages();
}

static u64 vb_current_pages(void)
{
	u64 ram = ram_pages();

	return ram > vb.held ? ram - vb.held : 0;
}

void virtio_balloon_show(void)
{
	const struct vb_counters *c = &vb.c;

	printk("device:      virtio-balloon %s (%s), features %#llx\n",
	       vb.vdev->name, vb.vdev->where,
	       (unsigned long long)vb.vdev->features);
	printk("host wants:  %u pages ballooned (%llu KiB); actual %llu pages\n",
	       vb.num_pages, (unsigned long long)vb.num_pages * 4,
	       (unsigned long long)vb.held);
	printk("queues:      %u pfns per element, %llu elements, %llu round "
	       "trips, %llu pfns\n", vb.per_elem,
	       (unsigned long long)c->elements,
	       (unsigned long long)c->round_trips,
	       (unsigned long long)c->pfns_sent);
	printk("time:        %llu us in the device (notify %llu, wait %llu, "
	       "actual %llu) of %llu us in %llu calls\n",
	       (unsigned long long)((c->notify_ns + c->wait_ns + c->actual_ns) / 1000),
	       (unsigned long long)(c->notify_ns / 1000),
	       (unsigned long long)(c->wait_ns / 1000),
	       (unsigned long long)(c->actual_ns / 1000),
	       (unsigned long long)(c->total_ns / 1000),
	       (unsigned long long)c->calls);
	printk("trouble:     %llu timeouts, %llu answered late, %llu refused, "
	       "%llu actual read back wrong%s\n",
	       (unsigned long long)c->timeouts, (unsigned long long)c->late,
	       (unsigned long long)c->refused,
	       (unsigned long long)c->actual_mismatch,
	       vb.late ? "; the device holds an element now" : "");
	printk("stats:       %llu updates, %llu config changes\n",
	       (unsigned long long)c->stats_updates,
	       (unsigned long long)c->config_changes);
	vb_report_show();
}

static struct balloon_backend vb_backend = {
	.name = "virtio",
	.scrub = false,
	/*
	 * The device names 4 KiB pfns only, but the core may hand over 2 MiB
	 * extents: transfer() spreads each into its 512 pfns. The core then
	 * moves whole free runs as one allocation each (its cost per page
	 * is a fifth of single pages': make bench), and the host sees the
	 * same pfns either way.
	 */
	.max_order = BALLOON_HUGE_ORDER,
	.host_limit = false,
	.pfn_shift = VIRTIO_BALLOON_PFN_SHIFT,
	.populate = vb_populate,
	.decrease = vb_decrease,
	.max_pages = vb_max_pages,
	.current_pages = vb_current_pages,
	.show = virtio_balloon_show,
};

/* ---- target and stats ---------------------------------------------------- */

static void read_target(void)
{
	u32 num = 0;
	u64 ram = ram_pages();

	vb.vdev->ops->read_config(vb.vdev,
		offsetof(struct virtio_balloon_config, num_pages), &num, 4);
	if (vb.have_num_pages && num == vb.num_pages)
		return; /* the same word again (a spurious or other change) */
	vb.have_num_pages = true;
	vb.num_pages = num;
	if (num > ram)
		pr_notice("virtio-balloon: the host wants %u pages ballooned, the "
			  "guest has %llu: it gives what it can\n", num,
			  (unsigned long long)ram);
	balloon_set_target(num < ram ? ram - num : 0);
}

static void vb_config_changed(struct virtio_device *vdev)
{
	vb.c.config_changes++;
	read_target();
	reap_late();
	write_actual();
}

static void fill_stats(void)
{
	static const u16 tags[VIRTIO_BALLOON_S_NR] = {
		VIRTIO_BALLOON_S_SWAP_IN, VIRTIO_BALLOON_S_SWAP_OUT,
		VIRTIO_BALLOON_S_MAJFLT, VIRTIO_BALLOON_S_MINFLT,
		VIRTIO_BALLOON_S_MEMFREE, VIRTIO_BALLOON_S_MEMTOT,
		VIRTIO_BALLOON_S_AVAIL, VIRTIO_BALLOON_S_CACHES,
		VIRTIO_BALLOON_S_HTLB_PGALLOC, VIRTIO_BALLOON_S_HTLB_PGFAIL,
	};
	struct mm_stats st;

	mm_get_stats(&st);
	for (unsigned int i = 0; i < VIRTIO_BALLOON_S_NR; i++) {
		u64 v = 0;

		/* No swap, no page cache, no hugetlb: those are 0. Free and
		 * available are the same here; total is what the allocator
		 * manages (ballooned pages are not in it). */
		if (tags[i] == VIRTIO_BALLOON_S_MEMFREE ||
		    tags[i] == VIRTIO_BALLOON_S_AVAIL)
			v = st.free * PAGE_SIZE;
		else if (tags[i] == VIRTIO_BALLOON_S_MEMTOT)
			v = st.managed * PAGE_SIZE;
		vb.stats->s[i].tag = tags[i];
		vb.stats->s[i].val = v;
	}
}

static void queue_stats(void)
{
	struct virtqueue *vq = vb.vq[VB_Q_STATS];
	struct vq_buf b = { virt_to_phys(vb.stats), sizeof(*vb.stats) };

	if (!vq || vb.stats_out)
		return;
	fill_stats();
	if (virtqueue_add(vq, &b, 1, NULL, 0, vb.stats))
		return;
	vb.stats_out = true;
	virtqueue_kick(vq);
}

static void stats_done(struct virtqueue *vq)
{
	u32 len;

	while (virtqueue_get_used(vq, &len) == vb.stats) {
		vb.stats_out = false;
		vb.c.stats_updates++;
	}
	queue_stats();
}

/* Inflate/deflate activity outside a call: a late answer. */
static void queue_done(struct virtqueue *vq)
{
	if (vb.late == vq || vb.reinflate) {
		reap_late();
		write_actual();
	}
}

/* ---- probe ----------------------------------------------------------------- */

static void vb_free(void)
{
	if (vb.buf)
		free_pages_virt(vb.buf, VB_BUF_ORDER);
	if (vb.stats)
		free_pages_virt(vb.stats, 0);
	vb.buf = NULL;
	vb.stats = NULL;
}

static int setup_queues(struct virtio_device *vdev)
{
	static const char *const names[] = { "inflate", "deflate", "stats" };
	static void (*const cbs[])(struct virtqueue *) = {
		queue_done, queue_done, stats_done,
	};
	unsigned int n = virtio_has_feature(vdev, VIRTIO_BALLOON_F_STATS_VQ) ? 3 : 2;
	int err;

	for (unsigned int q = 0; q < n; q++) {
		vb.vq[q] = virtqueue_setup(vdev, q, 0, names[q], cbs[q], &err);
		if (vb.vq[q])
			continue;
		if (q == VB_Q_STATS) {
			pr_warn("virtio-balloon: %s: no stats queue (%s): no stats\n",
				vdev->name, errno_name(err));
			return 0;
		}
		pr_err("virtio-balloon: %s: no %s queue: %s\n", vdev->name,
		       names[q], errno_name(err));
		return err;
	}
	return 0;
}

static int vb_probe(struct virtio_device *vdev)
{
	int err;

	if (balloon_has_backend() || vb.vdev) {
		pr_err("virtio-balloon: %s: the balloon has a backend already\n",
		       vdev->name);
		return -EBUSY;
	}
	memset(&vb, 0, sizeof(vb));
	vb.vdev = vdev;
	vb.per_elem = MIN(VB_PFNS_PER_ELEM, (unsigned int)VB_MAX_PFNS);
	err = setup_queues(vdev);
	if (err)
		goto fail;
	vb_report_setup(vdev);
	err = -ENOMEM;
	vb.buf = alloc_pages_virt(VB_BUF_ORDER);
	vb.stats = alloc_pages_virt(0);
	if (!vb.buf || !vb.stats)
		goto fail;
	vb_backend.tell_before_reuse =
		virtio_has_feature(vdev, VIRTIO_BALLOON_F_MUST_TELL_HOST);
	err = balloon_register_backend(&vb_backend);
	if (err)
		goto fail;
	vdev->priv = &vb;
	virtio_device_ready(vdev);
	vb_report_start();
	write_actual();
	read_target();
	queue_stats();
	return 0;
fail:
	vb_free();
	vb.vdev = NULL;
	return err;
}

static struct virtio_driver vb_driver = {
	.name = "virtio-balloon",
	.device_id = VIRTIO_ID_BALLOON,
	/* Not PAGE_POISON (see above), not the hinting queue. */
	.features = (1ULL << VIRTIO_F_VERSION_1) |
		    (1ULL << VIRTIO_BALLOON_F_MUST_TELL_HOST) |
		    (1ULL << VIRTIO_BALLOON_F_STATS_VQ) |
		    (1ULL << VIRTIO_BALLOON_F_REPORTING),
	.probe = vb_probe,
	.config_changed = vb_config_changed,
};

int virtio_balloon_register(void)
{
	return virtio_register_driver(&vb_driver);
}
INIT_HOOK(virtio_balloon, virtio_balloon_register, INIT_LEVEL_MM);

const struct vb_counters *virtio_balloon_counters(void)
{
	return &vb.c;
}

#ifdef BALLAST_HOST
void virtio_balloon_reset_for_test(void)
{
	memset(&vb, 0, sizeof(vb));
	vb_report_reset_for_test();
}
#endif
