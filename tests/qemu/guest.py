"""A ballast guest under QEMU, driven over its serial line (stdin/stdout).

Used by the test files in this folder:

    g = boot(cmdline="mem=128M", mem="512M")
    out = g.cmd("e820")          # output of one command, prompt to prompt
    g.send("poweroff"); assert g.wait_exit() == 0

    g = boot(mem="1G", machine="pc", qmp=True,
             devices=["virtio-balloon-pci,id=balloon0"])
    g.qmp.execute("query-balloon")   # QMP over build/qemu-tests/NAME.qmp

Without devices, machine, extra or qmp the command line is the one every
test has always booted with.
"""
import os
import re
import select
import subprocess
import time

from qmp import QMP, socket_path as qmp_socket_path  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build", "qemu-tests")
PROMPT = "ballast> "


class TestFailure(Exception):
    pass


def qemu_argv(iso, mem, smp, devices=(), machine=None, extra=(), qmp_path=None,
              no_reboot=True):
    """The QEMU command line of a test guest: serial on stdio, no monitor;
    each of devices becomes a -device, extra is appended as it is
    (-object ..., -device ... pairs), qmp_path adds a QMP server socket.
    no_reboot=False leaves out -no-reboot: a reset (QMP system_reset, the
    guest's reboot) restarts the guest instead of ending QEMU."""
    argv = ["qemu-system-x86_64", "-accel", "tcg"]
    if machine:
        argv += ["-machine", machine]
    argv += ["-m", mem, "-smp", str(smp),
             "-display", "none", "-vga", "none"] + (["-no-reboot"] if no_reboot else []) + [
             "-monitor", "none",
             "-serial", "stdio", "-cdrom", iso, "-boot", "d"]
    for d in devices:
        argv += ["-device", d]
    argv += list(extra)
    if qmp_path:
        argv += ["-qmp", "unix:%s,server=on,wait=off" % qmp_path]
    return argv


class Guest:
    """argv, when given, replaces the whole command line (a script such as
    boot/qemu.sh); the guest is still driven over its stdin/stdout. pty:
    stdin/stdout a pseudo-terminal instead of pipes (as `make run` at a
    terminal: QEMU puts it in raw mode)."""

    def __init__(self, iso, mem, smp, log_path, devices=(), machine=None, extra=(),
                 qmp_path=None, argv=None, no_reboot=True, pty=False):
        self.log = open(log_path, "w")
        self.buf = ""
        self.pos = 0
        self.qmp = None
        self.qmp_path = qmp_path
        if argv is None:
            argv = qemu_argv(iso, mem, smp, devices, machine, extra, qmp_path, no_reboot)
        if qmp_path and os.path.exists(qmp_path):
            os.unlink(qmp_path)  # a stale socket from an earlier run
        self.log.write("# %s\n" % " ".join(argv))
        self.pty = None
        if pty:
            self.pty, tty = os.openpty()
            self.proc = subprocess.Popen(argv, stdin=tty, stdout=tty, stderr=tty)
            os.close(tty)
        else:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if qmp_path:
            try:
                self.qmp = QMP.connect(qmp_path, alive=lambda: self.proc.poll() is None)
            except Exception:
                self._read(0.5)
                self.kill()
                raise TestFailure("no QMP on %s; QEMU said:\n%s" % (qmp_path, self.buf[-800:]))

    @property
    def pid(self):
        return self.proc.pid

    def _read(self, timeout):
        fd = self.pty if self.pty is not None else self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the pty's other side is closed (QEMU exited)
            data = b""
        if not data:
            return None
        text = data.decode("latin-1").replace("\r", "")
        self.buf += text
        self.log.write(text)
        self.log.flush()
        return True

    def expect(self, pattern, timeout=30):
        """Wait for regex pattern after the read position; return the text
        from the read position up to the end of the match."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                text = self.buf[self.pos:m.end()]
                self.pos = m.end()
                return text
            left = deadline - time.time()
            if left <= 0:
                raise TestFailure("timeout waiting for %r; last output:\n%s"
                                  % (pattern, self.buf[-800:]))
            if self._read(min(left, 1.0)) is None:
                raise TestFailure("QEMU exited while waiting for %r; last output:\n%s"
                                  % (pattern, self.buf[-800:]))

    def send(self, line, raw=False):
        data = line if raw else line + "\n"
        if isinstance(data, str):
            data = data.encode("latin-1")
        if self.pty is not None:
            os.write(self.pty, data)
            return
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait_prompt(self, timeout=60):
        return self.expect(re.escape(PROMPT), timeout)

    def _followed(self):
        """What follows the prompt just read (waits 10 ms for something: a
        prompt shown again comes with the line after it, and only a
        prompt whose text begins with the echo is looked at)."""
        deadline = time.time() + 0.01
        while len(self.buf) == self.pos and time.time() < deadline:
            if self._read(max(0.0, deadline - time.time())) is None:
                break
        return self.buf[self.pos:]

    def cmd(self, line, timeout=60):
        """Run one command; returns its output (without echo and prompt).

        The shell prints its prompt again after a message that came while
        it waited for input (kernel/console.c), and the line typed so far
        after it: such a prompt is not the answer. The answer is the first
        prompt whose text holds the echo of the line and that the line
        does not follow; the output starts after the echo's line."""
        echo = line + "\n"
        # (a line too long for the shell is echoed only in part; one with
        # editing keys is echoed as edited: its first prompt answers)
        edited = any(c < " " or c == "\x7f" for c in line)
        self.send(line)
        deadline = time.time() + timeout
        while True:
            seg = self.wait_prompt(max(0.1, deadline - time.time()))
            body = seg[:-len(PROMPT)]
            follow = self._followed()[:len(echo)]
            redrawn = bool(follow) and echo.startswith(follow)
            at = body.find(echo[:128])
            if not redrawn and (edited or at >= 0):
                break
            if time.time() > deadline:
                raise TestFailure("no answer to %r; last output:\n%s" % (line, self.buf[-800:]))
        # the output starts after the line the echo is on
        first_nl = body.find("\n", max(at, 0)) if not edited else body.find("\n")
        return body[first_nl + 1:] if first_nl >= 0 else ""

    def wait_exit(self, timeout=30):
        deadline = time.time() + timeout
        while self.proc.poll() is None and time.time() < deadline:
            if self._read(0.5) is None:
                break
        try:
            return self.proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            raise TestFailure("QEMU did not exit; last output:\n" + self.buf[-800:])

    def kill(self):
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.qmp_path and os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)
        if not self.log.closed:
            self.log.close()
        if self.pty is not None:
            os.close(self.pty)
            self.pty = None


def make_iso(elf, cmdline, name):
    os.makedirs(BUILD, exist_ok=True)
    iso = os.path.join(BUILD, name + ".iso")
    subprocess.run([os.path.join(ROOT, "boot", "mkiso.sh"), elf, cmdline, iso],
                   check=True, stdout=subprocess.DEVNULL)
    return iso
