"""Boot: memory map, mem=, exception report."""
import re


def test_mem_limit_ignores_ram(boot):
    g = boot(cmdline="mem=128M", mem="512M")
    out = g.cmd("e820")
    assert "ignored" in out, out
    m = re.search(r"limit 0x8000000 \(mem=\), ignored: (\d+) KiB", out)
    assert m and int(m.group(1)) > 300 * 1024, out


def test_crash_prints_report(boot):
    g = boot()
    g.send("crash")
    out = g.expect(r"System halted\.", 30)
    assert "EXCEPTION 14 (#Page fault)" in out, out
    assert "CR2: 000000dead000000" in out, out
    assert re.search(r"Backtrace:\n(  #\d+ \[<ffffffff8[0-9a-f]+>\] \w+\+0x[0-9a-f]+\n)+", out), out
    assert "cmd_crash+0x" in out and "shell_run_line+0x" in out, out


def test_bad_loglevel_on_cmdline(boot):
    g = boot(cmdline="loglevel=banana mem=zz")
    out = g.cmd("dmesg")
    assert "loglevel=banana" in out and "mem=zz" in out, out


def test_double_fault_has_its_own_stack(boot):
    g = boot()
    g.send("crash doublefault")
    out = g.expect(r"System halted\.", 30)
    assert "EXCEPTION 8 (#Double fault)" in out, out
    assert "RSP: 000000dead000000" in out and "cmd_crash+0x" in out, out


def test_panic_and_bug_report_file_and_line(boot):
    g = boot()
    g.send("crash bug")
    out = g.expect(r"System halted\.", 30)
    assert re.search(r"Kernel panic: BUG_ON\(argc > 1\) at kernel/cmd_system\.c:\d+", out), out
    assert "cmd_crash+0x" in out, out
