/* A simulated virtio(-balloon) device: see sim_virtio.h. */
#include "unit.h"
#include "sim_virtio.h"
#include "sim_platform.h"
#include <ballast/balloon.h>
#include <ballast/errno.h>
#include <ballast/page_reporting.h>
#include <ballast/virtio_balloon.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdlib.h>

struct sim_virtio svd;

/* Fake time a wait's poll takes: a 1 s timeout is 1000 polls. */
#define SIM_POLL_NS 1000000ULL

static void violation(const char *fmt, ...) __printf(1, 2);
static void violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(svd.what, sizeof(svd.what), fmt, ap);
	va_end(ap);
	svd.violations++;
	if (!svd.soft)
		unit_fail(__FILE__, __LINE__, "sim virtio: %s", svd.what);
}

/* ---- virtio_config_ops ---------------------------------------------------- */

static u64 sv_get_features(struct virtio_device *vdev)
{
	return svd.offered;
}

static int sv_finalize_features(struct virtio_device *vdev, u64 features)
{
	if (features & ~svd.offered)
		violation("driver accepted features %#llx not offered (%#llx)",
			  (unsigned long long)features,
			  (unsigned long long)svd.offered);
	svd.accepted = features;
	if (svd.refuse_features)
		return -EIO;
	svd.status |= VIRTIO_CONFIG_S_FEATURES_OK;
	return 0;
}

static u8 sv_get_status(struct virtio_device *vdev)
{
	return svd.status;
}

static void sv_set_status(struct virtio_device *vdev, u8 status)
{
	svd.status = status;
}

static void sv_reset(struct virtio_device *vdev)
{
	svd.status = 0;
	svd.nkept = 0;
	svd.work_pending = false;
	for (unsigned int i = 0; i < SIM_VQS; i++) {
		svd.q[i].enabled = false;
		svd.q[i].last_avail = 0;
	}
}

static void sv_read_config(struct virtio_device *vdev, unsigned int off,
			   void *buf, unsigned int len)
{
	if (off + len > sizeof(svd.config)) {
		violation("config read %u+%u beyond 16 bytes", off, len);
		return;
	}
	memcpy(buf, svd.config + off, len);
}

static void sv_write_config(struct virtio_device *vdev, unsigned int off,
			    const void *buf, unsigned int len)
{
	unsigned int actual = offsetof(struct virtio_balloon_config, actual);

	if (off != actual || len != 4) {
		violation("config write %u+%u (only actual, 4+4, is the driver's)",
			  off, len);
		return;
	}
	if (svd.short_writes) {
		svd.short_writes--;
		len = 1;
	}
	memcpy(svd.config + off, buf, len);
}

static unsigned int sv_num_queues(struct virtio_device *vdev)
{
	return svd.nq;
}

static unsigned int sv_queue_max_size(struct virtio_device *vdev,
				      unsigned int idx)
{
	return idx < svd.nq ? svd.q[idx].max_size : 0;
}

static int sv_enable_queue(struct virtio_device *vdev, unsigned int idx,
			   unsigned int size, u64 desc, u64 avail, u64 used)
{
	struct sim_vq *q = &svd.q[idx];

	if (idx >= svd.nq || !q->max_size || size > q->max_size ||
	    (size & (size - 1)) || !size)
		violation("queue %u enabled with size %u (max %u)", idx, size,
			  idx < svd.nq ? q->max_size : 0);
	if (desc % 16 || avail % 2 || used % 4)
		violation("queue %u misaligned: desc %#llx avail %#llx used %#llx",
			  idx, (unsigned long long)desc,
			  (unsigned long long)avail, (unsigned long long)used);
	q->size = size;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->last_avail = 0;
	q->enabled = true;
	return 0;
}

static void process(unsigned int idx);

static void sv_notify(struct virtio_device *vdev, unsigned int idx)
{
	svd.notifies++;
	if (!(svd.status & VIRTIO_CONFIG_S_DRIVER_OK))
		violation("notify of queue %u before DRIVER_OK", idx);
	if (idx >= svd.nq || !svd.q[idx].enabled) {
		violation("notify of queue %u, not enabled", idx);
		return;
	}
	if (svd.delay_polls) {
		svd.work_pending = true;
		svd.polls_left = svd.delay_polls;
		return;
	}
	process(idx);
}

static const struct virtio_config_ops sv_ops = {
	.get_features = sv_get_features,
	.finalize_features = sv_finalize_features,
	.get_status = sv_get_status,
	.set_status = sv_set_status,
	.reset = sv_reset,
	.read_config = sv_read_config,
	.write_config = sv_write_config,
	.num_queues = sv_num_queues,
	.queue_max_size = sv_queue_max_size,
	.enable_queue = sv_enable_queue,
	.notify = sv_notify,
};

/* ---- rings ----------------------------------------------------------------- */

static void *guest(u64 pa)
{
	return sim_mm_frame(pa);
}

static void push_used(unsigned int idx, u16 head, u32 len)
{
	struct sim_vq *q = &svd.q[idx];
	struct vring_used *u = guest(q->used);
	struct vring_avail *a = guest(q->avail);

	u->ring[u->idx % q->size].id = head;
	u->ring[u->idx % q->size].len = len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u->idx++;
	if (!(a->flags & VRING_AVAIL_F_NO_INTERRUPT)) {
		svd.irqs_raised++;
		virtio_interrupt(&svd.vdev, 1);
	}
}

/* The one readable buffer of a chain (what the balloon sends). */
static bool chain_buf(unsigned int idx, u16 head, u64 *addr, u32 *len)
{
	struct sim_vq *q = &svd.q[idx];
	struct vring_desc *d = guest(q->desc);

	if (head >= q->size) {
		violation("queue %u: head %u beyond size %u", idx, head, q->size);
		return false;
	}
	if (d[head].flags & (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE |
			     VRING_DESC_F_INDIRECT)) {
		violation("queue %u: head %u flags %#x (one readable buffer "
			  "expected)", idx, head, d[head].flags);
		return false;
	}
	*addr = d[head].addr;
	*len = d[head].len;
	return true;
}

static void set_access(unsigned long pfn, unsigned long n, bool ok)
{
	if (n)
		sim_mm_access(pfn, n, ok);
}

/* Inflate (give) or deflate (take back) the pfns of one element. */
static void act(unsigned int idx, u16 head)
{
	bool inflate = idx == 0;
	unsigned long run = 0, run_n = 0;
	u64 addr;
	u32 len, *pfn;

	if (!chain_buf(idx, head, &addr, &len))
		return;
	if (len % 4)
		violation("queue %u: element of %u bytes (not le32 pfns)", idx, len);
	pfn = guest(addr);
	svd.elements[idx]++;
	svd.pfns[idx] += len / 4;
	svd.max_elem_pfns = MAX(svd.max_elem_pfns, len / 4);
	for (u32 i = 0; i < len / 4; i++) {
		unsigned long p = pfn[i];

		if (p >= SIM_VIRTIO_NPFN) {
			violation("pfn %#lx beyond the guest", p);
			continue;
		}
		if (inflate == !!svd.host_has[p]) {
			violation("%s pfn %#lx, which the host %s", inflate ?
				  "inflate of" : "deflate of", p, inflate ?
				  "holds already" : "does not hold");
			continue;
		}
		svd.host_has[p] = inflate;
		svd.nr_host += inflate ? 1 : -1;
		if (!inflate)
			memset(guest(PFN_PHYS(p)), 0, PAGE_SIZE);
		if (run + run_n != p) {
			set_access(run, run_n, !inflate);
			run = p;
			run_n = 0;
		}
		run_n++;
	}
	set_access(run, run_n, !inflate);
}

static void unkeep(unsigned int i);

static void keep(unsigned int idx, u16 head)
{
	if (svd.nkept == SIM_KEPT_MAX) {
		violation("more than %d elements kept", SIM_KEPT_MAX);
		return;
	}
	svd.kept[svd.nkept++] = (struct sim_kept){ idx, head };
}

static void balloon_element(unsigned int idx, u16 head)
{
	if (svd.keep_next) {
		svd.keep_next--;
		keep(idx, head);
		return;
	}
	if (svd.nack_next) {
		svd.nack_next--;
		push_used(idx, head, 4);
		return;
	}
	if (svd.change_mid) {
		svd.change_mid = false;
		sim_virtio_set_num_pages(svd.change_to);
	}
	if (svd.during) {
		void (*fn)(void) = svd.during;

		svd.during = NULL;
		fn();
	}
	act(idx, head);
	push_used(idx, head, 0);
}

/* ---- the reporting queue ------------------------------------------------- */

#define SIM_REPORT_MAX 32
#define SIM_REPORT_MIN_BYTES (2ULL << 20)

/*
 * The ranges of the report at head into pfn[]/npages[]; false (and a
 * violation) for a malformed one: a readable or indirect descriptor, more
 * than 32, a range not naturally aligned, under 2 MiB or beyond the guest.
 */
static bool report_ranges(u16 head, unsigned long *pfn, unsigned long *npages,
			  unsigned int *n)
{
	struct sim_vq *q = &svd.q[svd.report_q];
	struct vring_desc *d = guest(q->desc);
	u16 i = head;

	for (*n = 0;; i = d[i].next) {
		u64 a, l;

		if (i >= q->size || *n == SIM_REPORT_MAX) {
			violation("report: descriptor %u of %u, or more than %d",
				  i, q->size, SIM_REPORT_MAX);
			return false;
		}
		a = d[i].addr;
		l = d[i].len;
		if (!(d[i].flags & VRING_DESC_F_WRITE) ||
		    d[i].flags & VRING_DESC_F_INDIRECT) {
			violation("report: descriptor %u flags %#x (device-writable "
				  "expected)", i, d[i].flags);
			return false;
		}
		if (l < SIM_REPORT_MIN_BYTES || (l & (l - 1)) || a % l ||
		    a + l > SIM_MM_MAX_PHYS) {
			violation("report: range %#llx+%#llx (a naturally aligned "
				  "2 MiB or more expected)", (unsigned long long)a,
				  (unsigned long long)l);
			return false;
		}
		pfn[*n] = (unsigned long)(a >> PAGE_SHIFT);
		npages[*n] = (unsigned long)(l >> PAGE_SHIFT);
		(*n)++;
		if (!(d[i].flags & VRING_DESC_F_NEXT)) {
			svd.last_report_pfn = pfn[0];
			svd.last_report_pages = npages[0];
			return true;
		}
	}
}

/* The host drops the ranges (the guest reads zeros), or holds them out of
 * the guest's reach (hold), or gives them back after a hold (release). */
static void report_act(u16 head, bool hold, bool release)
{
	unsigned long pfn[SIM_REPORT_MAX], np[SIM_REPORT_MAX];
	unsigned int n;

	if (!report_ranges(head, pfn, np, &n))
		return;
	for (unsigned int k = 0; k < n; k++) {
		if (release || !hold)
			memset(guest(PFN_PHYS(pfn[k])), 0, np[k] * PAGE_SIZE);
		if (hold || release)
			sim_mm_access(pfn[k], np[k], release);
		if (hold)
			continue;
		svd.report_ranges++;
		svd.reported_pages += np[k];
	}
	if (!hold) {
		svd.reports++;
		svd.max_report_ranges = MAX(svd.max_report_ranges, n);
	}
}

static void report_element(u16 head)
{
	if (svd.report_keep_next) {
		svd.report_keep_next--;
		report_act(head, true, false);
		keep(svd.report_q, head);
		return;
	}
	if (svd.report_nack_next) {
		svd.report_nack_next--;
		push_used(svd.report_q, head, 8);
		return;
	}
	report_act(head, false, false);
	push_used(svd.report_q, head, 0);
}

void sim_virtio_reporting(bool spec)
{
	svd.offered |= 1ULL << VIRTIO_BALLOON_F_REPORTING;
	svd.nq = spec ? 5 : 4;
	svd.report_q = spec ? 4 : 3;
	svd.q[3].max_size = spec ? 0 : 32;
	svd.q[4].max_size = spec ? 32 : 0;
}

unsigned int sim_virtio_release_report(unsigned int n)
{
	unsigned int done = 0;

	for (unsigned int i = 0; i < svd.nkept && done < n;) {
		struct sim_kept k = svd.kept[i];

		if (!svd.report_q || k.q != svd.report_q) {
			i++;
			continue;
		}
		unkeep(i);
		report_act(k.head, false, true);
		push_used(k.q, k.head, 0);
		done++;
	}
	return done;
}

unsigned long sim_virtio_report_held_pages(void)
{
	unsigned long pfn[SIM_REPORT_MAX], np[SIM_REPORT_MAX], pages = 0;
	unsigned long last = svd.last_report_pfn, last_n = svd.last_report_pages;
	unsigned int n;

	for (unsigned int i = 0; i < svd.nkept; i++) {
		if (!svd.report_q || svd.kept[i].q != svd.report_q ||
		    !report_ranges(svd.kept[i].head, pfn, np, &n))
			continue;
		for (unsigned int k = 0; k < n; k++)
			pages += np[k];
	}
	svd.last_report_pfn = last;
	svd.last_report_pages = last_n;
	return pages;
}

unsigned int sim_virtio_reports_held(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < svd.nkept; i++)
		n += svd.report_q && svd.kept[i].q == svd.report_q;
	return n;
}

static void process(unsigned int idx)
{
	struct sim_vq *q = &svd.q[idx];
	struct vring_avail *a = guest(q->avail);

	while (q->last_avail != a->idx) {
		u16 head = a->ring[q->last_avail % q->size];

		q->last_avail++;
		if (idx == 2)
			keep(idx, head); /* QEMU: until its stats timer fires */
		else if (idx < 2)
			balloon_element(idx, head);
		else if (svd.report_q && idx == svd.report_q)
			report_element(head);
		else
			push_used(idx, head, 0);
	}
}

void sim_virtio_run(void)
{
	if (!svd.work_pending)
		return;
	svd.work_pending = false;
	for (unsigned int i = 0; i < svd.nq; i++)
		if (svd.q[i].enabled)
			process(i);
}

void (*sim_virtio_relax_hook)(void);

void virtio_wait_relax(void)
{
	sim_clock_now += SIM_POLL_NS;
	if (sim_virtio_relax_hook)
		sim_virtio_relax_hook();
	if (svd.work_pending && !--svd.polls_left)
		sim_virtio_run();
	if (svd.report_release_polls && !--svd.report_release_polls)
		sim_virtio_release_report(1);
}

/* ---- the test's side ----------------------------------------------------- */

void sim_virtio_init(u64 features)
{
	u8 *host_has = svd.host_has;

	if (!host_has)
		host_has = calloc(SIM_VIRTIO_NPFN, 1);
	memset(host_has, 0, SIM_VIRTIO_NPFN);
	memset(&svd, 0, sizeof(svd));
	svd.host_has = host_has;
	svd.offered = features;
	svd.nq = 3;
	for (unsigned int i = 0; i < 3; i++)
		svd.q[i].max_size = 128;
	svd.vdev.id = VIRTIO_ID_BALLOON;
	svd.vdev.name = "virtio0";
	strcpy(svd.vdev.where, "sim");
	svd.vdev.ops = &sv_ops;
	virtio_reset_for_test();
	virtio_balloon_reset_for_test();
	balloon_reset_for_test();
	page_reporting_reset_for_test();
}

int sim_virtio_add(void)
{
	int err = virtio_balloon_register();

	if (err)
		return err;
	return virtio_add_device(&svd.vdev);
}

void sim_virtio_set_num_pages(u32 n)
{
	memcpy(svd.config, &n, 4);
	virtio_interrupt(&svd.vdev, 2);
}

u32 sim_virtio_actual(void)
{
	u32 a;

	memcpy(&a, svd.config + 4, 4);
	return a;
}

static void read_stats(u16 head)
{
	u64 addr;
	u32 len;
	const u8 *p;

	if (!chain_buf(2, head, &addr, &len))
		return;
	if (len % 10)
		violation("stats buffer of %u bytes (not 10-byte entries)", len);
	p = guest(addr);
	for (u32 i = 0; i + 10 <= len; i += 10) {
		u16 tag;
		u64 val;

		memcpy(&tag, p + i, 2);
		memcpy(&val, p + i + 2, 8);
		if (tag < 16)
			svd.stats_val[tag] = val;
	}
	svd.stats_seen++;
}

static void unkeep(unsigned int i)
{
	memmove(&svd.kept[i], &svd.kept[i + 1],
		(svd.nkept - i - 1) * sizeof(svd.kept[0]));
	svd.nkept--;
}

unsigned int sim_virtio_release(unsigned int n)
{
	unsigned int done = 0;

	for (unsigned int i = 0; i < svd.nkept && done < n;) {
		struct sim_kept k = svd.kept[i];

		if (k.q >= 2) { /* stats, reporting: their own releases */
			i++;
			continue;
		}
		unkeep(i);
		act(k.q, k.head);
		push_used(k.q, k.head, 0);
		done++;
	}
	return done;
}

bool sim_virtio_release_stats(void)
{
	for (unsigned int i = 0; i < svd.nkept; i++) {
		struct sim_kept k = svd.kept[i];

		if (k.q != 2)
			continue;
		unkeep(i);
		read_stats(k.head);
		push_used(2, k.head, 0);
		return true;
	}
	return false;
}

bool sim_virtio_host_has(unsigned long pfn)
{
	return pfn < SIM_VIRTIO_NPFN && svd.host_has[pfn];
}
