/*
 * The virtio-balloon driver over the simulated device: probe and its
 * refusals, following num_pages down and back with every page accounted,
 * and each fault the device can throw at it.
 */
#include "unit.h"
#include "virtio_test.h"
#include "mm_fixture.h"
#include "sim_platform.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/virtio_balloon.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_config.h>

static u64 ram(void)
{
	return mmt_stats().present;
}

/* The host asks for n pages; run until the balloon rests. */
static void host_wants(u32 n)
{
	sim_virtio_set_num_pages(n);
	vt_run();
}

/* The host asks for n pages and gets them all, everything accounted. */
static void host_gets(u32 n)
{
	host_wants(n);
	CHECK_EQ(vt_ballooned(), n);
	vt_check();
}

TEST(virtio_balloon_probe_negotiates)
{
	vt_boot_added(VT_QEMU_FEATURES);
	CHECK(balloon_has_backend());
	/* VERSION_1 and STATS_VQ; never PAGE_POISON or the ring extras. */
	CHECK_EQ(svd.accepted, (1ULL << VIRTIO_F_VERSION_1) |
			       (1ULL << VIRTIO_BALLOON_F_STATS_VQ));
	CHECK(svd.status & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK_EQ(svd.nkept, 1); /* the stats buffer */
	CHECK_EQ(sim_virtio_actual(), 0);
	vt_check();
}

TEST(virtio_balloon_refuses_legacy_device)
{
	vt_boot(VT_QEMU_FEATURES & ~(1ULL << VIRTIO_F_VERSION_1));
	unit_log_clear();
	CHECK_EQ(sim_virtio_add(), -ENODEV);
	CHECK(strstr(unit_log(), "VIRTIO_F_VERSION_1"));
	CHECK(svd.status & VIRTIO_CONFIG_S_FAILED);
	CHECK(!(svd.status & VIRTIO_CONFIG_S_DRIVER_OK));
	CHECK(!balloon_has_backend());
}

TEST(virtio_balloon_features_refused)
{
	vt_boot(VT_QEMU_FEATURES);
	svd.refuse_features = true;
	CHECK_EQ(sim_virtio_add(), -EIO);
	CHECK(svd.status & VIRTIO_CONFIG_S_FAILED);
	CHECK(!balloon_has_backend());
}

TEST(virtio_balloon_inflate_queue_size_0)
{
	struct mm_stats before;

	vt_boot(VT_QEMU_FEATURES);
	before = mmt_stats();
	svd.q[0].max_size = 0;
	unit_log_clear();
	CHECK_EQ(sim_virtio_add(), -ENOENT);
	CHECK(strstr(unit_log(), "no inflate queue"));
	CHECK(!balloon_has_backend());
	CHECK(svd.status & VIRTIO_CONFIG_S_FAILED);
	CHECK_EQ(mmt_stats().free, before.free); /* rings given back */
}

TEST(virtio_balloon_without_stats_queue)
{
	vt_boot(VT_QEMU_FEATURES);
	svd.q[2].max_size = 0;
	CHECK_EQ(sim_virtio_add(), 0);
	host_gets(1000);
}

TEST(virtio_balloon_down_and_back)
{
	vt_boot_added(VT_QEMU_FEATURES);
	host_gets(16384); /* 64 MiB */
	host_gets(5000);
	host_gets(0); /* the host wants nothing ballooned */
	CHECK(svd.max_elem_pfns <= VB_PFNS_PER_ELEM);
	CHECK(virtio_balloon_counters()->round_trips >= svd.elements[0] +
							 svd.elements[1]);
}

TEST(virtio_balloon_more_than_the_guest_has)
{
	vt_boot_added(VT_QEMU_FEATURES);
	unit_log_clear();
	host_wants((u32)ram() + 1000);
	CHECK(strstr(unit_log(), "gives what it can"));
	/* It stops short (the core keeps a minimum and a reserve), and
	 * actual tells the host what it got. */
	CHECK(vt_ballooned() > 0 && vt_ballooned() < ram());
	vt_check();
	host_wants(0xffffffffU);
	vt_check();
	host_gets(0);
}

TEST(virtio_balloon_nack)
{
	vt_boot_added(VT_QEMU_FEATURES);
	svd.nack_next = 2;
	unit_log_clear();
	host_wants(9000);
	CHECK(strstr(unit_log(), "taken as refused"));
	CHECK_EQ(virtio_balloon_counters()->refused, 2);
	CHECK_EQ(vt_ballooned(), 9000); /* the core retried */
	vt_check();
	svd.nack_next = 1;
	host_gets(100);
}

TEST(virtio_balloon_inflate_never_answered)
{
	vt_boot_added(VT_QEMU_FEATURES);
	svd.keep_next = 1;
	unit_log_clear();
	host_wants(9000);
	CHECK(strstr(unit_log(), "did not answer"));
	CHECK(strstr(unit_log(), "not sending more"));
	CHECK_EQ(virtio_balloon_counters()->timeouts, 1);
	/* The element's pages count as given and are never touched. */
	CHECK(vt_ballooned() > 0 && vt_ballooned() < 9000);
	CHECK_EQ(mmt_stats().page_offline, vt_ballooned());
	CHECK_EQ(sim_virtio_actual(), vt_ballooned());
	/* The device answers at last: the balloon goes on from there. */
	CHECK_EQ(sim_virtio_release(1), 1);
	virtio_poll();
	CHECK_EQ(virtio_balloon_counters()->late, 1);
	vt_check();
	host_gets(8999);
}

static void deflate_never_answered(u64 features)
{
	u64 before;

	vt_boot_added(features);
	host_wants(9000);
	svd.keep_next = 1;
	host_wants(0);
	/* The deflate's pages stay ballooned until the device answers. */
	before = vt_ballooned();
	CHECK(before > 0);
	CHECK_EQ(virtio_balloon_counters()->timeouts, 1);
	CHECK_EQ(mmt_stats().page_offline, before);
	/* It answers: it let go of them, so they are inflated again. */
	CHECK_EQ(sim_virtio_release(1), 1);
	virtio_poll();
	vt_check();
	host_wants(1);
	host_gets(0);
}

TEST(virtio_balloon_deflate_never_answered)
{
	deflate_never_answered(VT_QEMU_FEATURES);
}

TEST(virtio_balloon_deflate_never_answered_must_tell_host)
{
	deflate_never_answered(VT_QEMU_FEATURES |
			       (1ULL << VIRTIO_BALLOON_F_MUST_TELL_HOST));
	CHECK(svd.accepted >> VIRTIO_BALLOON_F_MUST_TELL_HOST & 1);
}

TEST(virtio_balloon_slow_device)
{
	vt_boot_added(VT_QEMU_FEATURES);
	svd.delay_polls = 50; /* 50 ms of fake time per element */
	host_wants(20000);
	CHECK_EQ(vt_ballooned(), 20000);
	CHECK(virtio_balloon_counters()->wait_ns >= 50 * 1000000ULL);
	CHECK_EQ(virtio_balloon_counters()->timeouts, 0);
	vt_check();
}

TEST(virtio_balloon_target_changes_mid_batch)
{
	vt_boot_added(VT_QEMU_FEATURES);
	svd.change_mid = true;
	svd.change_to = 3000;
	host_wants(20000);
	CHECK_EQ(vt_ballooned(), 3000);
	vt_check();
	svd.change_mid = true;
	svd.change_to = 7000;
	host_wants(0);
	CHECK_EQ(vt_ballooned(), 7000);
	vt_check();
}

TEST(virtio_balloon_short_writes_of_actual)
{
	vt_boot_added(VT_QEMU_FEATURES);
	svd.short_writes = 1; /* the read-back catches it, the retry lands */
	host_wants(3000);
	CHECK_EQ(virtio_balloon_counters()->actual_mismatch, 0);
	vt_check();
	sim_virtio_set_num_pages(4000);
	virtio_poll(); /* the config change is read (and actual written) */
	svd.short_writes = 2; /* both tries short: said, then right next time */
	unit_log_clear();
	vt_run();
	CHECK(strstr(unit_log(), "reads back"));
	CHECK_EQ(virtio_balloon_counters()->actual_mismatch, 1);
	host_wants(4001);
	vt_check();
}

TEST(virtio_balloon_stats)
{
	struct mm_stats m;

	vt_boot_added(VT_QEMU_FEATURES);
	host_wants(4096);
	m = mmt_stats();
	CHECK(sim_virtio_release_stats()); /* the buffer queued at probe */
	virtio_poll();                     /* refilled with real figures */
	CHECK_EQ(svd.nkept, 1);
	CHECK(sim_virtio_release_stats());
	CHECK_EQ(svd.stats_seen, 2);
	CHECK_EQ(svd.stats_val[VIRTIO_BALLOON_S_MEMFREE], m.free * PAGE_SIZE);
	CHECK_EQ(svd.stats_val[VIRTIO_BALLOON_S_AVAIL], m.free * PAGE_SIZE);
	CHECK_EQ(svd.stats_val[VIRTIO_BALLOON_S_MEMTOT], m.managed * PAGE_SIZE);
	virtio_poll();
	CHECK_EQ(virtio_balloon_counters()->stats_updates, 2);
}

TEST(virtio_balloon_show_lines)
{
	vt_boot_added(VT_QEMU_FEATURES);
	host_wants(600);
	unit_log_clear();
	virtio_balloon_show();
	CHECK(strstr(unit_log(), "device:      virtio-balloon virtio0"));
	CHECK(strstr(unit_log(), "pfns per element"));
	CHECK(strstr(unit_log(), "round trips"));
}
