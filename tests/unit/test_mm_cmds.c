/* The mm shell commands: free, lsmem, chmem, memhotplug, meminfo, memtest. */
#include "unit.h"
#include "sim_mm.h"
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/shell.h>

static int run(const char *line)
{
	unit_log_clear();
	return shell_run_line(line);
}

TEST(mm_cmd_meminfo_shows_struct_page)
{
	sim_mm_boot_default();
	CHECK_EQ(run("meminfo"), 0);
	CHECK(strstr(unit_log(), "sizeof(struct page):          16 bytes"));
	CHECK(strstr(unit_log(), "MemTotal (managed):"));
	CHECK(strstr(unit_log(), "Free blocks per order: 0:"));
	CHECK_EQ(run("meminfo -c"), 0);
	CHECK(strstr(unit_log(), "Consistency check: ok"));
}

TEST(mm_cmd_free)
{
	sim_mm_boot_default();
	struct mm_stats st;
	char want[128];

	mm_get_stats(&st);
	CHECK_EQ(run("free"), 0);
	snprintf(want, sizeof(want), "Mem:     %12llu %12llu %12llu",
		 (unsigned long long)st.managed * 4, 0ULL,
		 (unsigned long long)st.free * 4);
	CHECK(strstr(unit_log(), want));
	CHECK(strstr(unit_log(), "Offline: "));
	CHECK_EQ(run("free -x"), -EINVAL);
}

TEST(mm_cmd_hotplug_lsmem_chmem)
{
	if (SECTION_SIZE_MB != 128) /* the expected output is for 128M blocks */
		return;
	sim_mm_boot_default();
	page_poisoning = false;
	CHECK_EQ(run("memhotplug add 0x10000000 256M --memmap-on-memory"), 0);
	CHECK(strstr(unit_log(), "memhotplug: added 0x10000000-0x1fffffff"));
	CHECK_EQ(run("lsmem"), 0);
	CHECK(strstr(unit_log(), "RANGE"));
	CHECK(strstr(unit_log(), "    BLOCK OWNER\n"));
	CHECK(strstr(unit_log(), "0x0000000000000000-0x0000000007ffffff   128M  online        no        0 -\n"));
	CHECK(strstr(unit_log(), "0x0000000008000000-0x000000000fffffff   128M  online       yes        1 -\n"));
	CHECK(strstr(unit_log(), "0x0000000010000000-0x000000001fffffff   256M offline       yes      2-3 -\n"));
	CHECK(strstr(unit_log(), "Memory block size:        128M"));
	CHECK(strstr(unit_log(), "Total online memory:      256M"));
	CHECK(strstr(unit_log(), "Total offline memory:     256M"));
	CHECK_EQ(run("chmem -e -b 2"), 0);
	CHECK(strstr(unit_log(), "memory block 2 (0x10000000-0x17ffffff) enabled"));
	CHECK_EQ(run("chmem -e 128M"), 0);
	CHECK(strstr(unit_log(), "memory block 3"));
	CHECK_EQ(run("lsmem -a"), 0);
	CHECK(strstr(unit_log(), "0x0000000010000000-0x0000000017ffffff   128M  online       yes        2"));
	CHECK(strstr(unit_log(), "Total online memory:      512M"));
	/* block 0 has the kernel: disabling it fails with a reason */
	CHECK_EQ(run("chmem -d -b 0"), -EBUSY);
	CHECK(strstr(unit_log(), "pfn 0x0: reserved page"));
	CHECK(strstr(unit_log(), "disable failed: EBUSY"));
	/* -d SIZE takes the highest blocks first */
	CHECK_EQ(run("chmem -d 256M"), 0);
	CHECK(strstr(unit_log(), "memory block 3 (0x18000000-0x1fffffff) disabled"));
	CHECK(strstr(unit_log(), "memory block 2 (0x10000000-0x17ffffff) disabled"));
	CHECK_EQ(run("memhotplug remove 0x10000000 256M"), 0);
	CHECK_EQ(run("memhotplug remove 0x10000000 256M"), -ENODEV);
	CHECK(strstr(unit_log(), "failed: ENODEV"));
	CHECK_EQ(run("memhotplug add 0x10000001 128M"), -EINVAL);
	CHECK(strstr(unit_log(), "not a whole number"));
	CHECK_EQ(run("memhotplug add zz 128M"), -EINVAL);
	CHECK_EQ(run("chmem -e 100M"), -EINVAL);
	CHECK_EQ(run("chmem -x 1"), -EINVAL);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_cmd_memtest)
{
	sim_mm_boot_default();
	struct mm_stats a, b;

	mm_get_stats(&a);
	CHECK_EQ(run("memtest 9M"), 0);
	CHECK(strstr(unit_log(), "9216 KiB tested"));
	CHECK(strstr(unit_log(), ": ok"));
	mm_get_stats(&b);
	CHECK_EQ(a.free, b.free);
	CHECK_EQ(run("memtest 1T"), -ENOMEM);
	CHECK(strstr(unit_log(), "could be allocated"));
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_cmd_chmem_long_argument_is_not_cut)
{
	sim_mm_boot_default();
	char line[192];
	struct mm_stats a, b;

	/* block 10 with leading zeros, 65 characters: cut to 64 it was block 1 */
	snprintf(line, sizeof(line), "chmem -d -b %065d", 10);
	mm_get_stats(&a);
	CHECK_EQ(run(line), -ENODEV);
	CHECK(strstr(unit_log(), "memory block 10 is absent"));
	snprintf(line, sizeof(line), "chmem -d -b %065d-%065d", 10, 10);
	CHECK_EQ(run(line), -ENODEV);
	mm_get_stats(&b);
	CHECK_EQ(a.online, b.online);
	CHECK_EQ(b.nr_sections_online, 2);
}

TEST(mm_cmd_ranges_bounded_by_the_address_space)
{
	sim_mm_boot_default();
	struct mm_stats a, b;

	mm_get_stats(&a);
	CHECK_EQ(run("chmem -e 0x0-0xffffffffffffffff"), -ERANGE);
	CHECK(strstr(unit_log(), "beyond the highest physical address"));
	CHECK_EQ(run("chmem -d 0x100000000-0x1ffffffff"), -ERANGE);
	CHECK_EQ(run("chmem -e -b 0-18446744073709551615"), -ERANGE);
	mm_get_stats(&b);
	CHECK_EQ(a.online, b.online);
	CHECK_EQ(b.nr_sections_online, 2);
}

TEST(mm_cmd_memtest_refuses_sizes_that_overflow_or_test_nothing)
{
	sim_mm_boot_default();
	CHECK_EQ(run("memtest 0xffffffffffffffff"), -ERANGE);
	CHECK(!strstr(unit_log(), "ok"));
	CHECK_EQ(run("memtest 0xfffffffffffff001"), -ERANGE);
	CHECK_EQ(run("memtest 0"), -ERANGE);
	CHECK_EQ(run("memtest 0xfffffffffffff000"), -ENOMEM);
	CHECK(strstr(unit_log(), "could be allocated"));
	CHECK_EQ(run("memtest 1"), 0);
	CHECK(strstr(unit_log(), "4 KiB tested in 1 blocks: ok"));
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_cmd_long_commands_stop_on_ctrl_c)
{
	sim_mm_boot_default();
	struct mm_stats a, b;

	mm_get_stats(&a);
	unit_interrupt_after = 3;
	CHECK_EQ(run("memtest 64M"), -EINTR);
	CHECK(strstr(unit_log(), "interrupted: 0 of 65536 KiB allocated were verified"));
	CHECK(!strstr(unit_log(), ": ok"));
	unit_interrupt_after = 20; /* 16 blocks written, 3 verified */
	CHECK_EQ(run("memtest 64M"), -EINTR);
	CHECK(strstr(unit_log(), "interrupted: 12288 of 65536 KiB"));
	mm_get_stats(&b);
	CHECK_EQ(a.free, b.free);
	CHECK_EQ(run("memhotplug add 0x10000000 1G"), 0);
	unit_interrupt_after = 3;
	CHECK_EQ(run("chmem -e -b 2-9"), -EINTR);
	CHECK(strstr(unit_log(), "interrupted: blocks 2-3 done, 4-9 not tried"));
	CHECK_EQ(run("chmem -e 1G"), -EINTR);
	CHECK(strstr(unit_log(), "interrupted after enabling 2 of 8"));
	unit_interrupt_after = 0;
	CHECK_EQ(run("chmem -d -b 2-5"), 0);
	CHECK_EQ(run("memhotplug remove 0x10000000 1G"), 0);
	mm_get_stats(&a); /* the host keeps the vmemmap tables it simulated */
	unit_interrupt_after = 2;
	CHECK_EQ(run("memhold 64M"), 0);
	CHECK(strstr(unit_log(), "memhold: interrupted after 4096 of 16384 pages"));
	unit_interrupt_after = 0;
	CHECK_EQ(run("memhold release"), 0);
	mm_get_stats(&b);
	CHECK_EQ(a.free, b.free);
	CHECK_EQ(mm_check_consistency(), 0);
}

TEST(mm_cmd_lsmem_rounds_like_util_linux)
{
	sim_mm_boot_default();
	/* 21 blocks offline: 2.625G; then 23 online: 2.875G (was 2.8G) */
	CHECK_EQ(run("memhotplug add 0x10000000 2688M --memmap-on-memory"), 0);
	CHECK_EQ(run("lsmem"), 0);
	CHECK(strstr(unit_log(), "Total offline memory:     2.6G"));
	CHECK_EQ(run("chmem -e 2688M"), 0);
	CHECK_EQ(run("lsmem"), 0);
	CHECK(strstr(unit_log(), "Total online memory:      2.9G"));
	CHECK_EQ(run("chmem -d -b 2-22"), 0);
	CHECK_EQ(run("chmem -e -b 2-6"), 0); /* 896M online: 896M */
	CHECK_EQ(run("chmem -e -b 7-14"), 0); /* 1.875G: 1.9G */
	CHECK_EQ(run("lsmem"), 0);
	CHECK(strstr(unit_log(), "Total online memory:      1.9G"));
	CHECK(strstr(unit_log(), "Total offline memory:       1G"));
}

TEST(mm_cmd_memhold_pattern_checks_every_page)
{
	struct mm_stats a, b;

	sim_mm_boot_default();
	mm_get_stats(&a);
	CHECK_EQ(run("memhold 4M --pattern"), 0);
	CHECK_EQ(run("memhold 1M"), 0);
	CHECK_EQ(run("memhold check"), 0);
	CHECK(strstr(unit_log(), "memhold check: 1024 pages checked, 0 mismatches"));
	CHECK_EQ(run("memhold"), 0);
	CHECK(strstr(unit_log(), "1280 pages held, 1024 with a pattern"));
	CHECK_EQ(run("memhold 4M --bogus"), -EINVAL);
	CHECK_EQ(run("memhold release"), 0);
	CHECK_EQ(run("memhold check"), 0);
	CHECK(strstr(unit_log(), "memhold check: 0 pages checked, 0 mismatches"));
	mm_get_stats(&b);
	CHECK_EQ(a.free, b.free);
}
