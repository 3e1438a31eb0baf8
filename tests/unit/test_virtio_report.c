/*
 * virtio-balloon free page reporting (drivers/virtio/balloon_report.c)
 * through mm's real page reporting, over the simulated device: the queue
 * in either layout, the free memory reaching the host in well-formed
 * reports, and the device's faults (a report refused, held, never
 * answered) with the drain a contiguous allocation or an offline needs.
 */
#include "unit.h"
#include "virtio_test.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/errno.h>
#include <ballast/memory_hotplug.h>
#include <ballast/mm.h>
#include <ballast/page_reporting.h>
#include <ballast/timer.h>
#include <ballast/virtio_balloon.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_config.h>

#define MIB_PAGES (1UL << 20 >> PAGE_SHIFT)

static struct page_reporting_stats prs(void)
{
	struct page_reporting_stats st;

	page_reporting_get_stats(&st);
	return st;
}

static const struct vb_report_counters *vrc(void)
{
	return virtio_balloon_report_counters();
}

/* The sim device offering QEMU 7.2's features and REPORTING, added. */
static void vr_boot(bool spec)
{
	vt_boot(VT_QEMU_FEATURES);
	sim_virtio_reporting(spec);
	CHECK_EQ(sim_virtio_add(), 0);
}

/* Deferred work and the device's callbacks for `ms` of fake time. */
static void vr_run_ms(unsigned int ms)
{
	for (unsigned int t = 0; t < ms; t += 10) {
		sim_clock_now += 10 * NSEC_PER_MSEC;
		run_deferred();
		virtio_poll();
	}
}

/* Long enough for the delay and every batch of a 256 MiB guest. */
static void vr_settle(void)
{
	vr_run_ms(10000);
}

/* vr_boot(false), the first report kept unanswered, `ms` of fake time:
 * that one report held. Returns its pfn. */
static unsigned long vr_boot_one_held(unsigned int ms)
{
	vr_boot(false);
	svd.report_keep_next = 1;
	vr_run_ms(ms);
	CHECK_EQ(sim_virtio_reports_held(), 1);
	return svd.last_report_pfn;
}

static void vr_check(void)
{
	struct page_reporting_stats st = prs();

	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(st.reported_total, svd.reported_pages);
	CHECK_EQ(vrc()->pages_done, svd.reported_pages);
	CHECK(svd.max_report_ranges <= REPORTING_CAPACITY_MAX);
}

TEST(virtio_report_negotiated_qemu_layout)
{
	vr_boot(false);
	CHECK_EQ(svd.accepted, (1ULL << VIRTIO_F_VERSION_1) |
			       (1ULL << VIRTIO_BALLOON_F_STATS_VQ) |
			       (1ULL << VIRTIO_BALLOON_F_REPORTING));
	CHECK(svd.q[2].enabled); /* stats where QEMU has it */
	CHECK(svd.q[3].enabled);
	CHECK(prs().active);
	CHECK_STR(prs().device, "virtio-balloon");
}

TEST(virtio_report_negotiated_spec_layout)
{
	vr_boot(true);
	CHECK(!svd.q[3].enabled);
	CHECK(svd.q[4].enabled);
	CHECK(prs().active);
	vr_settle();
	CHECK(svd.reports > 0);
}

TEST(virtio_report_offered_without_queue)
{
	vt_boot(VT_QEMU_FEATURES | (1ULL << VIRTIO_BALLOON_F_REPORTING));
	unit_log_clear();
	CHECK_EQ(sim_virtio_add(), 0); /* the balloon works without it */
	CHECK(strstr(unit_log(), "no reporting queue"));
	CHECK(!prs().active);
	unit_log_clear();
	virtio_balloon_show();
	CHECK(strstr(unit_log(), "reporting:   off (no reporting queue)"));
}

TEST(virtio_report_not_offered)
{
	vt_boot_added(VT_QEMU_FEATURES);
	CHECK(!(svd.accepted >> VIRTIO_BALLOON_F_REPORTING & 1));
	CHECK(!prs().active);
	vr_settle();
	CHECK_EQ(svd.reports, 0);
}

TEST(virtio_report_free_memory_reaches_the_host)
{
	struct mm_stats m;

	vr_boot(false);
	vr_settle();
	m = mmt_stats();
	CHECK(svd.reports > 0);
	/* Most of an idle 256 MiB guest is free in 2 MiB blocks and up. */
	CHECK(svd.reported_pages >= m.free / 2);
	CHECK(svd.reported_pages <= m.free);
	CHECK_EQ(prs().reported_now, svd.reported_pages);
	CHECK_EQ(prs().out_now, 0);
	CHECK_EQ(vrc()->reports, svd.reports);
	CHECK_EQ(vrc()->refused, 0);
	vr_check();
	/* Idle and all reported: nothing more goes out. */
	{
		u64 n = svd.reports, notifies = svd.notifies;

		vr_settle();
		CHECK_EQ(svd.reports, n);
		CHECK_EQ(svd.notifies, notifies);
	}
}

/*
 * Reported memory is reused: zeros from the host, which the DEBUG poison
 * check must take (no corruption cried), written, checked, freed, and
 * reported again.
 */
TEST(virtio_report_reused_memory_passes)
{
	struct page *p[64];
	unsigned int n = 0;

	vr_boot(false);
	vr_settle();
	unit_log_clear();
	while (n < 64 && (p[n] = alloc_pages(REPORTING_ORDER)))
		n++;
	CHECK(n > 32);
	for (unsigned int i = 0; i < n; i++) {
		u64 *w = page_address(p[i]);

		for (unsigned long k = 0; k < (PAGE_SIZE << REPORTING_ORDER) / 8; k++)
			w[k] = k ^ i;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 *w = page_address(p[i]);

		for (unsigned long k = 0; k < (PAGE_SIZE << REPORTING_ORDER) / 8; k++)
			if (w[k] != (k ^ i))
				unit_fail(__FILE__, __LINE__, "block %u word %lu", i, k);
		free_pages(p[i], REPORTING_ORDER);
	}
	CHECK(!strstr(unit_log(), "poison"));
	CHECK(!strstr(unit_log(), "corrupt"));
	{
		u64 before = svd.reported_pages;

		vr_settle();
		CHECK(svd.reported_pages >= before + 32 * (1UL << REPORTING_ORDER));
	}
	vr_check();
}

TEST(virtio_report_refused)
{
	vr_boot(false);
	svd.report_nack_next = 2;
	unit_log_clear();
	vr_settle();
	CHECK_EQ(vrc()->refused, 2);
	CHECK(strstr(unit_log(), "taken as refused"));
	/* Refused blocks went back unreported and were offered again. */
	CHECK(svd.reports > 0);
	CHECK_EQ(prs().reported_now, svd.reported_pages);
	CHECK_EQ(prs().out_now, 0);
	CHECK(prs().refused >= 2);
	vr_check();
}

/* A report out for a while: the drain waits and it comes back; the
 * allocation that met it succeeds. */
TEST(virtio_report_drain_waits_alloc_at)
{
	unsigned long pfn;
	struct page *pg;

	pfn = vr_boot_one_held(3000);
	svd.report_release_polls = 200; /* 200 ms into the drain's wait */
	pg = alloc_pages_at(pfn, REPORTING_ORDER);
	CHECK(pg);
	CHECK_EQ(vrc()->drains, 1);
	CHECK_EQ(vrc()->drain_timeouts, 0);
	CHECK(vrc()->drain_ns >= 200 * NSEC_PER_MSEC);
	CHECK_EQ(prs().out_now, 0);
	CHECK_EQ(sim_virtio_reports_held(), 0);
	free_pages(pg, REPORTING_ORDER);
	vr_settle();
	vr_check();
}

/* Held until the test says: a drain times out, the allocation fails
 * cleanly; once the device answers, the same allocation succeeds. */
TEST(virtio_report_held_then_released)
{
	unsigned long pfn;
	struct page *pg;

	pfn = vr_boot_one_held(3000);
	CHECK(prs().out_now > 0);
	unit_log_clear();
	CHECK(!alloc_pages_at(pfn, REPORTING_ORDER));
	CHECK(strstr(unit_log(), "holds a report"));
	CHECK_EQ(vrc()->drain_timeouts, 1);
	CHECK(vrc()->drain_ns >= VB_REPORT_TIMEOUT_NS);
	/* A second try only looks: no second wait of a second. */
	{
		u64 ns = vrc()->drain_ns;

		CHECK(!alloc_pages_at(pfn, REPORTING_ORDER));
		CHECK(vrc()->drain_ns - ns < VB_REPORT_TIMEOUT_NS / 10);
	}
	unit_log_clear();
	virtio_balloon_show();
	CHECK(strstr(unit_log(), "(stuck)"));
	CHECK_EQ(sim_virtio_release_report(1), 1);
	virtio_poll();
	CHECK_EQ(vrc()->late, 1);
	CHECK_EQ(prs().out_now, 0);
	pg = alloc_pages_at(pfn, REPORTING_ORDER);
	CHECK(pg);
	free_pages(pg, REPORTING_ORDER);
	vr_settle();
	vr_check();
}

/* Never answered: the rest of mm goes on; nothing out is ever touched
 * (the sim makes a touch of a held range fatal). */
TEST(virtio_report_never_answered)
{
	struct page *p[32];
	unsigned int n = 0;

	vr_boot_one_held(10000); /* vr_settle's time */
	CHECK(prs().out_now > 0);
	while (n < 32 && (p[n] = alloc_pages(REPORTING_ORDER)))
		n++;
	CHECK(n > 16);
	for (unsigned int i = 0; i < n; i++)
		memset(page_address(p[i]), 0xab, PAGE_SIZE << REPORTING_ORDER);
	for (unsigned int i = 0; i < n; i++)
		free_pages(p[i], REPORTING_ORDER);
	vr_settle();
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(sim_virtio_reports_held(), 1);
}

/* Offlining the block a held report came from: after the drain. Block 0
 * holds the kernel: reports from it are let go until one from block 1 is
 * held. */
TEST(virtio_report_offline_during_report)
{
	unsigned long blk = 1;

	vr_boot(false);
	for (int i = 0; i < 32; i++) {
		svd.report_keep_next = 1;
		vr_run_ms(i ? 100 : 3000);
		CHECK_EQ(sim_virtio_reports_held(), 1);
		if (svd.last_report_pfn / NPS == blk)
			break;
		svd.report_keep_next = 0;
		CHECK_EQ(sim_virtio_release_report(1), 1);
		virtio_poll();
	}
	CHECK_EQ(svd.last_report_pfn / NPS, blk);
	CHECK(prs().out_now > 0);
	svd.report_release_polls = 50;
	unit_log_clear();
	if (offline_memory_block(blk))
		unit_fail(__FILE__, __LINE__, "offline of block %lu: %s", blk,
			  unit_log());
	CHECK_EQ(vrc()->drains, 1);
	CHECK_EQ(vrc()->drain_timeouts, 0);
	CHECK_EQ(sim_virtio_reports_held(), 0);
	CHECK_EQ(prs().out_now, 0);
	CHECK_EQ(mm_check_consistency(), 0);
	CHECK_EQ(online_memory_block(blk), 0);
	vr_settle();
	CHECK_EQ(prs().out_now, 0);
	vr_check();
}

TEST(virtio_report_show_lines)
{
	vr_boot(false);
	vr_settle();
	unit_log_clear();
	virtio_balloon_show();
	CHECK(strstr(unit_log(), "reporting:   queue 3 (32 entries), 32 blocks per report"));
	CHECK(strstr(unit_log(), "drains:      0 drains"));
}
