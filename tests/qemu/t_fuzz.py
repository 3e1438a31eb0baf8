"""Random input at the shell, two ways, seeded (BALLAST_FUZZ_SEED=N repeats a
run; the seed is in the log and in every failure message):

- 10,000 random and malformed lines: the shell must still answer;
- 2,000 random *valid* mm commands (hotplug add/remove with and without
  memmap-on-memory, chmem by block, range and size, memhold, memtest with
  hostile sizes) checked against a model of every block's state: after every
  few, `meminfo -c` must be consistent and `lsmem -a` must match the model;
  every few hundred, everything is undone and `free` must be back at its
  boot value.
"""
import os
import random
import re

SAFE_CMDS = ["help", "echo", "version", "cmdline", "e820", "loglevel", "dmesg",
             "free", "lsmem", "chmem", "memhotplug", "meminfo", "memtest", "xs", "xen"]
JUNK_ARGS = ["0xZZ", "-1", "99999999999999999999999", "18446744073709551616",
             "1.5G", "12Q", "", "--", "-b", "-e", "-d", "\"", "0x", "K", "4KK",
             "0xffffffffffffffff", "0x0-0xffffffffffffffff", "0" * 70 + "1"]


def seed():
    s = os.environ.get("BALLAST_FUZZ_SEED")
    return int(s) if s else random.SystemRandom().randrange(1 << 32)


def random_line(rng):
    kind = rng.randrange(5)
    if kind == 0:  # random bytes, no line ends
        return bytes(rng.choice([b for b in range(256) if b not in (10, 13)])
                     for _ in range(rng.randrange(1, 80)))
    if kind == 1:  # long lines
        return b"A" * rng.randrange(200, 600)
    if kind == 2:  # escape sequences and control characters
        return bytes(rng.choice([27, ord("["), ord("A"), ord("B"), 3, 21, 127, 8, 1])
                     for _ in range(rng.randrange(1, 20)))
    words = [rng.choice(SAFE_CMDS)] + [rng.choice(JUNK_ARGS) for _ in range(rng.randrange(4))]
    return " ".join(words).encode()


def test_fuzz_10000_lines(boot):
    sd = seed()
    rng = random.Random(sd)
    g = boot()
    tag = "fuzz seed %d" % sd
    g.log.write("\n[%s]\n" % tag)
    for i in range(10000):
        line = random_line(rng)
        g.log.write("\n[line %d: %r]\n" % (i, line))
        g.send(line + b"\n", raw=True)
        if i % 50 == 49:  # keep the pipe from filling; check it is alive
            g.send(b"\x15echo alive-%d\n" % i, raw=True)
            g.expect("alive-%d\n" % i, 120)
    g.send(b"\x03\x15", raw=True)
    g.send("echo fuzz-done")
    g.expect("fuzz-done\n", 120)
    g.wait_prompt()
    out = g.cmd("help")
    assert "Commands (help CMD for usage):" in out and "poweroff" in out, tag + out
    out = g.cmd("meminfo -c")
    assert "Consistency check: ok" in out, tag + out
    g.send("poweroff")
    assert g.wait_exit() == 0, tag


# ---- valid mm commands against a model ------------------------------------

BLOCK = 128 << 20
NBLOCKS = 512          # 64 GiB address space / 128 MiB
RAM_BLOCKS = range(1, 8)  # 1 GiB guest: blocks 1-7 have RAM behind them
BOOT_ONLINE = (0, 1)      # mem=256M


class Model:
    def __init__(self, g, rng, tag):
        self.g, self.rng, self.tag = g, rng, tag
        self.state = {b: "online" for b in BOOT_ONLINE}
        self.held = 0
        self.history = []
        self.count = 0

    def fail(self, why, out=""):
        raise AssertionError("%s: %s\nlast commands:\n  %s\noutput:\n%s" % (
            self.tag, why, "\n  ".join(self.history[-15:]), out))

    def run(self, line):
        self.history.append(line)
        self.count += 1
        return self.g.cmd(line, 120)

    # -- commands --
    def hostile_addr_size(self):
        r = self.rng
        x = r.random()  # mostly blocks with RAM, so states really change
        b = r.randrange(1, 9) if x < 0.7 else r.randrange(0, 12) if x < 0.9 \
            else r.randrange(0, NBLOCKS + 4)
        n = r.choice([1, 1, 2, 3])
        addr, size = "%#x" % (b * BLOCK), "%dM" % (n * 128)
        k = r.randrange(12)
        if k == 0:
            addr = "%#x" % (b * BLOCK + 0x1000)
        elif k == 1:
            size = r.choice(["100M", "0", "0xffffffffffffffff", "16383P", "4K"])
        elif k == 2:
            addr = r.choice(["0xfffffffff8000000", "0x1000000000000", "-1"])
        return b, n, addr, size, k > 2

    def hotplug(self, add):
        b, n, addr, size, valid = self.hostile_addr_size()
        mom = add and self.rng.random() < 0.5
        line = "memhotplug %s %s %s%s" % ("add" if add else "remove", addr, size,
                                          " --memmap-on-memory" if mom else "")
        out = self.run(line)
        blocks = range(b, b + n)
        ok = ("memhotplug: added" if add else "memhotplug: removed") in out
        if add:
            expect = valid and all(self.state.get(x, "absent") == "absent" and x in RAM_BLOCKS
                                   for x in blocks)
            certain = mom or self.held == 0 or not expect
        else:
            expect = valid and all(self.state.get(x) == "offline" for x in blocks)
            certain = True
        if certain and ok != expect:
            self.fail("%s: expected %s" % (line, "success" if expect else "failure"), out)
        if ok:
            for x in blocks:
                if add:
                    self.state[x] = "offline"
                else:
                    del self.state[x]

    def chmem(self):
        r = self.rng
        enable = r.random() < 0.5
        op = "-e" if enable else "-d"
        k = r.randrange(10)
        a = r.randrange(1, 9) if r.random() < 0.8 else r.randrange(0, 12)
        b = a + r.choice([0, 0, 1, 2])
        if k < 5:
            line = "chmem %s -b %d" % (op, a) if a == b else "chmem %s -b %d-%d" % (op, a, b)
        elif k < 8:
            line = "chmem %s %#x-%#x" % (op, a * BLOCK, (b + 1) * BLOCK - 1)
        elif k == 8:
            line = "chmem %s %dM" % (op, 128 * r.randrange(1, 4))
        else:
            line = "chmem %s %s" % (op, r.choice(["0x0-0xffffffffffffffff", "-b 0-99999999",
                                                   "-b 5-2", "0x1000-0x7ffffff", "0"]))
        out = self.run(line)
        for m in re.finditer(r"memory block (\d+) \(\S+\) (enabled|disabled|enable failed|disable failed)", out):
            x, what = int(m.group(1)), m.group(2)
            st = self.state.get(x, "absent")
            if what == "enabled":
                if st != "offline":
                    self.fail("block %d enabled from %s" % (x, st), out)
                self.state[x] = "online"
            elif what == "disabled":
                if st != "online" or x == 0:
                    self.fail("block %d disabled from %s" % (x, st), out)
                self.state[x] = "offline"
            elif what == "enable failed" and st == "offline":
                self.fail("offline block %d failed to go online" % x, out)
            elif what == "disable failed" and st == "online" and x != 0 and \
                    "busy" not in out:
                self.fail("online block %d failed to go offline without a reason" % x, out)

    def memhold(self):
        if self.held and self.rng.random() < 0.4:
            out = self.run("memhold release")
            assert "released %d pages" % self.held in out, out
            self.held = 0
            return
        size = self.rng.choice(["4K", "1M", "16M", "64M", "256M", "0", "4097",
                                "0xffffffffffffffff"])
        out = self.run("memhold " + size)
        m = re.search(r"holding (\d+) more pages", out)
        self.held += int(m.group(1)) if m else 0
        if size in ("0", "4097", "0xffffffffffffffff") and m and size != "0xffffffffffffffff":
            self.fail("memhold %s held pages" % size, out)

    def memtest(self):
        size = self.rng.choice(["0", "1", "4095", "4K", "1M", "8M", "32M", "0xffffffffffffffff",
                                "0xfffffffffffff001", "18446744073709551616", "-1", "1.5G"])
        out = self.run("memtest " + size)
        if "FAILED" in out or "bad words)" in out and "(0 bad words)" not in out:
            self.fail("memtest found bad memory", out)
        if ": ok" in out and re.search(r" 0 KiB tested", out):
            self.fail("memtest said ok for nothing tested", out)

    # -- checks --
    def check(self):
        out = self.run("meminfo -c")
        if "Consistency check: ok" not in out:
            self.fail("meminfo -c", out)
        out = self.run("lsmem -a")
        seen = {}
        for m in re.finditer(r"^0x\S+\s+\S+\s+(online|offline)\s+\S+\s+(\d+)\s+\S+$", out, re.M):
            seen[int(m.group(2))] = m.group(1)
        if seen != self.state:
            self.fail("lsmem %r != model %r" % (seen, self.state), out)

    def undo_all(self, boot_free):
        """Release, offline and remove everything but block 0, put block 1
        back as it booted: free must be what it was at boot."""
        if self.held:
            self.run("memhold release")
            self.held = 0
        for _ in range(8):
            for x in sorted(self.state):
                if x != 0 and self.state[x] == "online":
                    if "disabled" in self.run("chmem -d -b %d" % x):
                        self.state[x] = "offline"
            for x in sorted(self.state):
                if self.state[x] == "offline":
                    if "removed" in self.run("memhotplug remove %#x 128M" % (x * BLOCK)):
                        del self.state[x]
            if list(self.state) == [0]:
                break
        if list(self.state) != [0]:
            self.fail("could not undo everything: %r" % self.state)
        assert "added" in self.run("memhotplug add %#x 128M" % BLOCK)
        assert "enabled" in self.run("chmem -e -b 1")
        self.state[1] = "online"
        self.check()
        free = free_line(self.g)
        if free != boot_free:
            self.fail("free %r after undoing everything, %r at boot" % (free, boot_free))


def free_line(g):
    out = g.cmd("free")
    m = re.search(r"^Mem:\s+\d+\s+\d+\s+(\d+)$", out, re.M)
    o = re.search(r"^Offline:\s+(\d+)", out, re.M)
    assert m and o, out
    return int(m.group(1)), int(o.group(1))


def test_fuzz_2000_valid_mm_commands(boot):
    sd = seed()
    g = boot(cmdline="mem=256M", mem="1G")
    tag = "mm fuzz seed %d" % sd
    g.log.write("\n[%s]\n" % tag)
    m = Model(g, random.Random(sd), tag)
    boot_free = free_line(g)
    actions = [lambda: m.hotplug(True)] * 4 + [lambda: m.hotplug(False)] * 3 + \
              [m.chmem] * 5 + [m.memhold] * 2 + [m.memtest] * 2
    n = 0
    while n < 2000:
        m.rng.choice(actions)()
        n += 1
        if n % 8 == 0:
            m.check()
        if n % 400 == 0:
            m.undo_all(boot_free)
    m.undo_all(boot_free)
    g.log.write("\n[%s: %d commands sent in all]\n" % (tag, m.count))
