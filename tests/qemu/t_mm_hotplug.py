"""Memory hotplug under QEMU: RAM hidden with mem= is hot-added by hand,
onlined, tested, offlined and removed, with free/lsmem checked every step."""
import re

BOOT = dict(cmdline="mem=256M", mem="1G")
ADD_START = 0x10000000  # 256 MiB: the first byte mem= hid
ADD_SIZE = "512M"


def free_kib(g):
    out = g.cmd("free")
    m = re.search(r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
    assert m, out
    return tuple(int(x) for x in m.groups())  # total, used, free


def lsmem_totals(g, args=""):
    out = g.cmd(("lsmem " + args).strip())
    on = re.search(r"Total online memory:\s+(\S+)", out)
    off = re.search(r"Total offline memory:\s+(\S+)", out)
    assert on and off, out
    return on.group(1), off.group(1), out


def run_cycles(g, n, memmap_on_memory):
    boot_free = free_kib(g)
    opt = " --memmap-on-memory" if memmap_on_memory else ""
    for i in range(n):
        before = free_kib(g)
        out = g.cmd("memhotplug add %#x %s%s" % (ADD_START, ADD_SIZE, opt))
        assert "added" in out, out
        after = free_kib(g)
        if memmap_on_memory:
            assert after[2] >= before[2], (i, before, after)
        on, off, out = lsmem_totals(g, "-a")
        assert (on, off) == ("256M", "512M"), out
        for b in range(2, 6):
            assert re.search(r"offline\s+yes\s+%d -$" % b, out, re.M), out
        out = g.cmd("chmem -e -b 2-5")
        assert out.count("enabled") == 4, out
        assert lsmem_totals(g)[:2] == ("768M", "0B")
        assert free_kib(g)[2] > before[2] + 500 * 1024
        out = g.cmd("memtest 256M")
        assert "ok (0 bad words)" in out, out
        out = g.cmd("chmem -d -b 2-5")
        assert out.count("disabled") == 4, out
        out = g.cmd("memhotplug remove %#x %s" % (ADD_START, ADD_SIZE))
        assert "removed" in out, out
        assert lsmem_totals(g)[:2] == ("256M", "0B")
        assert free_kib(g) == boot_free, (i, boot_free, free_kib(g))
    out = g.cmd("meminfo -c")
    assert "FAIL" not in out and "inconsisten" not in out.lower(), out


def test_hotplug_memmap_on_memory_20_cycles(boot):
    g = boot(**BOOT)
    run_cycles(g, 20, True)


def test_hotplug_plain_memmap_20_cycles(boot):
    g = boot(**BOOT)
    run_cycles(g, 20, False)


def test_hotplug_bad_input_changes_nothing(boot):
    g = boot(**BOOT)
    before = lsmem_totals(g, "-a")[2]
    free = free_kib(g)
    for bad in ("memhotplug add 0xZZ 128M", "memhotplug add 0x10000000 12Q",
                "memhotplug add 0x10001000 128M", "memhotplug add 0x10000000 100M",
                "memhotplug add 0x0 128M", "memhotplug remove 0x10000000 128M",
                "memhotplug add 0x10000000 99999999999999999999G",
                "chmem -e -b 99", "chmem -d -b 0xZZ", "chmem -x", "memtest 0xZZ",
                "memtest 99999G"):
        out = g.cmd(bad)
        assert re.search(r"error|usage|invalid|bad|not|EINVAL|ERANGE|EBUSY|EEXIST|ENOENT",
                         out, re.I), (bad, out)
    assert lsmem_totals(g, "-a")[2] == before
    assert free_kib(g) == free


def test_offline_busy_block_fails_and_changes_nothing(boot):
    g = boot(**BOOT)
    g.cmd("memhotplug add %#x %s --memmap-on-memory" % (ADD_START, ADD_SIZE))
    g.cmd("chmem -e -b 2-5")
    out = g.cmd("memhold 700M")  # leaves used pages in every block
    assert "holding 179200 more pages" in out, out
    before = (lsmem_totals(g, "-a")[2], free_kib(g))
    out = g.cmd("chmem -d -b 3")
    assert re.search(r"busy: pfn 0x[0-9a-f]+: page in use", out), out
    assert "EBUSY" in out, out
    assert (lsmem_totals(g, "-a")[2], free_kib(g)) == before
    assert "FAIL" not in g.cmd("meminfo -c")
    g.cmd("memhold release")
    out = g.cmd("chmem -d -b 3")
    assert "disabled" in out, out
    out = g.cmd("chmem -d -b 0")  # the kernel lives there
    assert re.search(r"busy: pfn 0x0: reserved", out) and "EBUSY" in out, out
