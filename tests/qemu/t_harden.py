"""Issue 11 reproducers: attacks on the shell and mm that used to panic,
hang, act on the wrong thing or report success for nothing."""
import re
import time


def free_kib(g):
    out = g.cmd("free")
    m = re.search(r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
    assert m, out
    return tuple(int(x) for x in m.groups())  # total, used, free


def consistent(g):
    out = g.cmd("meminfo -c")
    assert "Consistency check: ok" in out, out


def test_ram_above_4g_5g_guest(boot):
    g = boot(mem="5G")  # 3 GiB below 4 GiB: memtest 4G must use RAM above
    total = free_kib(g)[0]
    assert total > 5000 * 1024, total
    t0 = time.time()
    out = g.cmd("memtest 4G", 600)
    g.log.write("\n[memtest 4G took %.1fs]\n" % (time.time() - t0))
    assert "4194304 KiB tested" in out and "ok (0 bad words)" in out, out
    consistent(g)


def test_ram_above_4g_mem_limit_and_3584m(boot):
    g = boot(mem="5G", cmdline="mem=4608M")
    total = free_kib(g)[0]
    assert 3400 * 1024 < total < 3584 * 1024, total  # 3G low + 512M above 4G
    out = g.cmd("e820")
    assert "partly ignored" in out, out
    consistent(g)
    g = boot(mem="3584M")
    assert free_kib(g)[0] > 3400 * 1024
    consistent(g)
