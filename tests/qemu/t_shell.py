"""The serial shell: help, version, errors for bad input, line editing."""
import re


def test_help_version_poweroff(boot):
    g = boot()
    out = g.cmd("help")
    for c in ("help", "version", "cmdline", "e820", "poweroff", "reboot", "echo"):
        assert re.search(r"^  %s\s" % c, out, re.M), "help lacks " + c
    out = g.cmd("version")
    assert "boot mode: bare" in out and "compiler: gcc" in out, out
    out = g.cmd("help e820")
    assert "usage: e820" in out, out
    g.send("poweroff")
    assert g.wait_exit() == 0


def test_bad_input_gets_errors(boot):
    g = boot()
    assert "unknown command: no-such-cmd (try 'help')" in g.cmd("no-such-cmd")
    assert "unknown command: foo" in g.cmd("foo 0xZZ")
    assert "bad level" in g.cmd("loglevel 0xZZ")
    assert "bad level" in g.cmd("loglevel 99999999999999999999999")
    out = g.cmd("\x01\x7fhelp")
    assert "Commands" in out, out
    out = g.cmd("x" * 400)
    assert "line too long" in out, out
    out = g.cmd("echo \"open quote")
    assert "unterminated quote" in out, out
    out = g.cmd("version extra")
    assert "usage: version" in out, out
    g.send("poweroff")
    assert g.wait_exit() == 0


def test_line_editing(boot):
    g = boot()
    assert g.cmd("echo abX\x7fc") == "abc\n"
    assert g.cmd("garbage\x15echo fresh") == "fresh\n"
    g.send("echo never\x03", raw=True)
    g.wait_prompt()
    g.send("\x1b[A", raw=True)  # history: the last line run
    g.send("\n", raw=True)
    out = g.wait_prompt()
    assert "fresh" in out, out


def test_reboot_ends_qemu(boot):
    g = boot()
    g.send("reboot")
    assert g.wait_exit() == 0


def test_autorun_from_cmdline(boot):
    g = boot(cmdline='autorun="echo one; echo two"')
    g.expect(r"type 'help' for commands\.\n" + "ballast> ")
    assert "ballast> echo one\none\n" in g.buf, g.buf[-300:]
    assert "ballast> echo two\ntwo\n" in g.buf, g.buf[-300:]
    assert "echo one; echo two" in g.cmd("cmdline")


def test_input_typed_before_boot_is_kept(boot):
    g = boot(wait=False)  # as with printf 'help\n' | make run
    g.send("echo early-bird")
    g.send("version")
    g.expect(r"ballast> echo early-bird\nearly-bird\n", 90)
    g.expect(r"boot mode: bare")


def test_sleep_uses_the_timer(boot):
    """Bare x86: TSC clock and PIT one-shot; sleep 1500 really waits."""
    import time
    g = boot()
    t0 = time.monotonic()
    out = g.cmd("sleep 1500", timeout=30)
    took = time.monotonic() - t0
    m = re.search(r"slept (\d+) ms", out)
    assert m and 1500 <= int(m.group(1)) < 3000, out
    assert took >= 1.2, "returned after %.2fs" % took
    assert "want 0-60000" in g.cmd("sleep 60001")
    g.send("poweroff")
    assert g.wait_exit() == 0


def test_console_list_and_mute(boot):
    g = boot()
    out = g.cmd("console")
    assert re.search(r"^ttyS0\s+printing$", out, re.M), out
    # the only console printing cannot be muted: the shell would go silent
    assert "last console printing: not muted" in g.cmd("console mute ttyS0")
    assert "no console 'hvc9'" in g.cmd("console mute hvc9")
    assert "usage: console" in g.cmd("console mute")
    assert "usage: console" in g.cmd("console shout ttyS0")
    assert "console: ttyS0 printing" in g.cmd("console unmute ttyS0")
    g.send("poweroff")
    assert g.wait_exit() == 0
