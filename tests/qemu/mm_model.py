"""A model of ballast's memory blocks and counters, for random shell commands
(tests/qemu/t_fuzz.py, tests/qemu/fuzz_shell.py).

The guest boots with MEM=1G and mem=256M: blocks 0-1 (128 MiB each) are boot
memory, blocks 2-7 lie above mem= but have RAM behind them in the boot map
(block 7 ends 128 KiB short: firmware), so they may be hot-added, online,
offline and removed again as often as one likes; anything past 1 GiB has no
RAM and is refused (ENXIO).

Every command's effect is predicted and checked in full after it ran:
`meminfo -c` (every counter, consistency ok), `lsmem -a` (every block's
state, the totals, the hot-added list) and `free`. The accounting, in KiB:

  add, memmap from the allocator   present, offline, memmap +512; free -512
  add --memmap-on-memory           present, offline, memmap, MemmapOnMemory +512
  online                           online, managed, free +present (minus the
                                   512 memmap-on-memory KiB, which turn
                                   Reserved); offline -present
  offline                          the reverse
  remove                           the reverse of add; a boot block's memmap
                                   (BootAllocated, Reserved in block 0)
                                   becomes free memory: managed, free +512
  memhold N                        free -min(N, free); release gives it back
  memtest, lsmem, free             nothing
"""
import re

BLOCK = 128 << 20
P = BLOCK >> 10          # KiB per block
M = 512                  # KiB of memmap per block (16-byte struct page)
NBLOCKS = 512            # 64 GiB of address space / 128 MiB
MEMINFO = {"managed": r"MemTotal \(managed\):\s+(\d+) kB", "free": r"MemFree:\s+(\d+) kB",
           "used": r"MemUsed:\s+(\d+) kB", "isolated": r"IsolatedFree:\s+(\d+) kB",
           "present": r"Present:\s+(\d+) kB", "online": r"^Online:\s+(\d+) kB",
           "offline": r"Offline \(blocks\):\s+(\d+) kB",
           "page_offline": r"PageOffline \(online\):\s+(\d+) kB",
           "reserved": r"Reserved:\s+(\d+) kB", "memmap": r"Memmap:\s+(\d+) kB",
           "mom": r"MemmapOnMemory:\s+(\d+) kB", "pgtables": r"PageTables \(buddy\):\s+(\d+) kB",
           "boot_alloc": r"BootAllocated:\s+(\d+) kB",
           "nr_present": r"(\d+) blocks present", "nr_online": r"present, (\d+) online"}


class Drift(AssertionError):
    pass


def parse_meminfo(out):
    got = {}
    for k, rx in MEMINFO.items():
        m = re.search(rx, out, re.M)
        got[k] = int(m.group(1)) if m else None
    return got


def usable_ranges(e820):
    """[start, end) of each usable range of the boot map (before mem=)."""
    return [(int(a, 16), int(b, 16) + 1) for a, b in re.findall(
        r"\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] usable", e820)]


def human(nbytes):
    """lsmem's sizes for whole blocks: 128M, 1.5G, 0B (util-linux style)."""
    units, u, div = "BKMGTPE", 0, 1
    while u < 6 and nbytes >= div * 1024:
        div, u = div * 1024, u + 1
    whole, frac = divmod(nbytes, div)
    tenths = (frac * 1000 // div + 50) // 100
    if tenths == 10:
        whole, tenths = whole + 1, 0
    return "%d%s" % (whole, units[u]) if not tenths else "%d.%d%s" % (whole, tenths, units[u])


def ranges(blocks):
    out, run = [], []
    for b in sorted(blocks):
        if run and b == run[-1] + 1:
            run.append(b)
            continue
        if run:
            out.append(run)
        run = [b]
    if run:
        out.append(run)
    return " ".join("%d" % r[0] if len(r) == 1 else "%d-%d" % (r[0], r[-1]) for r in out)


class Model:
    """state: block -> "offline"/"online"; src: block -> "boot"/"buddy"/"mom"."""

    def __init__(self, g, rng, tag):
        self.g, self.rng, self.tag = g, rng, tag
        self.history, self.count, self.checks = [], 0, 0
        self.ram = usable_ranges(g.cmd("e820"))
        self.state = {0: "online", 1: "online"}
        self.src = {0: "boot", 1: "boot"}
        self.held = 0
        self.removable = {}
        self.e = parse_meminfo(g.cmd("meminfo"))
        if self.e["used"] != 0 or self.e["nr_present"] != 2:
            raise Drift("%s: unexpected boot state %r" % (tag, self.e))
        self.boot_free = self.e["free"]
        self.check()  # lsmem's removable verdicts, before the first command

    def present_kb(self, b):
        lo, hi = b * BLOCK, (b + 1) * BLOCK
        pages = sum(max(0, (min(hi, e) & ~0xfff) - max(lo, (s + 0xfff) & ~0xfff)) >> 12
                    for s, e in self.ram)
        return pages * 4

    def has_ram(self, b):
        return b != 0 and self.present_kb(b) > 0

    def fail(self, why, out=""):
        raise Drift("%s: drift after %d commands: %s\nlast commands:\n  %s\noutput:\n%s" % (
            self.tag, self.count, why, "\n  ".join(self.history[-15:]), out))

    def run(self, line):
        self.history.append(line)
        self.count += 1
        return self.g.cmd(line, 300)

    def add(self, **delta):
        for k, v in delta.items():
            self.e[k] += v

    # ---- the effect of each state change on the counters ----
    def added(self, b, mom):
        self.state[b], self.src[b] = "offline", "mom" if mom else "buddy"
        pk = self.present_kb(b)
        self.add(present=pk, offline=pk, memmap=M, nr_present=1)
        if mom:
            self.add(mom=M)
        else:
            self.add(free=-M, used=M)

    def removed(self, b):
        src, pk = self.src.pop(b), self.present_kb(b)
        del self.state[b]
        self.add(present=-pk, offline=-pk, memmap=-M, nr_present=-1)
        if src == "mom":
            self.add(mom=-M)
        elif src == "buddy":
            self.add(free=M, used=-M)
        else:  # the boot memmap's pages (reserved, in block 0) turn free
            self.add(boot_alloc=-M, reserved=-M, managed=M, free=M)

    def onlined(self, b, sign=1):
        self.state[b] = "online" if sign > 0 else "offline"
        pk = self.present_kb(b)
        res = M if self.src[b] == "mom" else 0
        self.add(online=sign * pk, offline=-sign * pk, nr_online=sign,
                 managed=sign * (pk - res), free=sign * (pk - res), reserved=sign * res)

    # ---- commands ----
    def hostile_addr_size(self):
        r = self.rng
        x = r.random()  # mostly blocks with RAM, above mem= and their neighbours
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
        valid = valid and b + n <= NBLOCKS
        if add:
            expect = valid and all(x not in self.state and self.has_ram(x) for x in blocks) \
                and (mom or self.e["free"] >= M * n)
        else:
            expect = valid and all(self.state.get(x) == "offline" for x in blocks)
        if ok != expect:
            self.fail("%s: expected %s" % (line, "success" if expect else "failure"), out)
        for x in blocks if ok else ():
            self.added(x, mom) if add else self.removed(x)

    def chmem_line(self):
        r = self.rng
        op = r.choice(["-e", "-d"])
        k = r.randrange(10)
        a = r.randrange(1, 9) if r.random() < 0.8 else r.randrange(0, 12)
        b = a + r.choice([0, 0, 1, 2])
        if k < 5:
            return op, range(a, b + 1), ("chmem %s -b %d" % (op, a) if a == b
                                         else "chmem %s -b %d-%d" % (op, a, b))
        if k < 8:
            return op, range(a, b + 1), "chmem %s %#x-%#x" % (op, a * BLOCK, (b + 1) * BLOCK - 1)
        if k == 8:
            return op, "size", "chmem %s %dM" % (op, 128 * r.randrange(1, 4))
        return op, (), "chmem %s %s" % (op, r.choice(["0x0-0xffffffffffffffff", "-b 0-99999999",
                                                       "-b 5-2", "0x1000-0x7ffffff", "0"]))

    def may_be_busy(self, b):
        """An online block refuses to go offline exactly when lsmem (run
        after the last command) called it not removable."""
        return self.removable.get(b) == "no"

    def check_removable(self, out):
        """Not removable needs a reason: block 0 (the kernel), held pages or
        a memmap from the allocator, which may lie in any online block."""
        for b, r in self.removable.items():
            busy_ok = b == 0 or self.held or "buddy" in self.src.values()
            if self.state[b] == "offline" and r != "yes" or \
                    self.state[b] == "online" and r == "no" and not busy_ok or \
                    b == 0 and r != "no":
                self.fail("lsmem: block %d (%s) removable %s" % (b, self.state[b], r), out)

    def chmem(self):
        op, blocks, line = self.chmem_line()
        enable = op == "-e"
        before = dict(self.state)
        out = self.run(line)
        seen = []
        for m in re.finditer(r"memory block (\d+) \(\S+\) (enabled|disabled|"
                             r"enable failed: (\w+)|disable failed: (\w+))", out):
            x, what, err = int(m.group(1)), m.group(2), m.group(3) or m.group(4)
            seen.append(x)
            st = before.get(x, "absent")
            want_err = "ENODEV" if st == "absent" else None
            if enable:
                want_err = want_err or ("EBUSY" if st == "online" else None)
            else:
                want_err = want_err or ("EBUSY" if st == "offline" else None)
            if what in ("enabled", "disabled"):
                if want_err or what == "disabled" and self.may_be_busy(x):
                    self.fail("block %d %s from %s (removable %s)" % (
                        x, what, st, self.removable.get(x)), out)
                self.onlined(x, 1 if enable else -1)
            elif err != want_err and not (not enable and st == "online" and err == "EBUSY"
                                          and self.may_be_busy(x)):
                self.fail("block %d (%s): %s, expected %s" % (x, st, what, want_err or "success"), out)
        if blocks == "size":
            want = int(line.split()[-1][:-1]) // 128
            cand = sorted((x for x, s in before.items() if s == ("offline" if enable else "online")),
                          reverse=not enable)
            tried, done = [], 0
            for x in cand:  # highest first when disabling, until want went
                if done == want:
                    break
                tried.append(x)
                done += enable or self.removable.get(x) == "yes"
            if seen != tried:
                self.fail("chmem %s by size tried %r, expected %r" % (op, seen, tried), out)
        elif list(blocks) != seen:
            self.fail("chmem tried blocks %r, expected %r" % (seen, list(blocks)), out)

    def memhold(self):
        if self.held and self.rng.random() < 0.4:
            out = self.run("memhold release")
            if "released %d pages" % self.held not in out:
                self.fail("memhold release: expected %d pages" % self.held, out)
            self.add(free=4 * self.held, used=-4 * self.held)
            self.held = 0
            return
        size = self.rng.choice(["4K", "1M", "16M", "64M", "256M", "0", "4097",
                                "0xffffffffffffffff"])
        out = self.run("memhold " + size)
        m = re.search(r"holding (\d+) more pages", out)
        got = int(m.group(1)) if m else 0
        want = {"4K": 1, "1M": 256, "16M": 4096, "64M": 16384, "256M": 65536}.get(size, 0)
        want = min(want, self.e["free"] // 4)
        if got != want:
            self.fail("memhold %s: held %d pages, expected %d" % (size, got, want), out)
        self.held += got
        self.add(free=-4 * got, used=4 * got)

    def memtest(self):
        size = self.rng.choice(["0", "1", "4095", "4K", "1M", "8M", "32M", "0xffffffffffffffff",
                                "0xfffffffffffff001", "18446744073709551616", "-1", "1.5G"])
        out = self.run("memtest " + size)
        if "FAILED" in out or "bad words)" in out and "(0 bad words)" not in out:
            self.fail("memtest found bad memory", out)
        if ": ok" in out and re.search(r" 0 KiB tested", out):
            self.fail("memtest said ok for nothing tested", out)

    def show(self):
        self.run(self.rng.choice(["lsmem", "lsmem -a", "free", "free -m", "meminfo", "memhold"]))

    def step(self):
        r = self.rng.randrange(18)
        if r < 4:
            self.hotplug(True)
        elif r < 7:
            self.hotplug(False)
        elif r < 12:
            self.chmem()
        elif r < 14:
            self.memhold()
        elif r < 16:
            self.memtest()
        else:
            self.show()
        self.check()

    def directed(self, op, b, mom=False):
        """One given step that must succeed: ("add", b, mom), ("on", b),
        ("off", b), ("rm", b); then the full check."""
        line = {"add": "memhotplug add %#x 128M%s" % (b * BLOCK, " --memmap-on-memory" * mom),
                "rm": "memhotplug remove %#x 128M" % (b * BLOCK),
                "on": "chmem -e -b %d" % b, "off": "chmem -d -b %d" % b}[op]
        out = self.run(line)
        if not re.search(r"(added|removed) 0x|\) (enabled|disabled)\n", out):
            self.fail(line + ": expected success", out)
        if op == "add":
            self.added(b, mom)
        elif op == "rm":
            self.removed(b)
        else:
            self.onlined(b, 1 if op == "on" else -1)
        self.check()

    # ---- checks ----
    def check(self):
        self.checks += 1
        out = self.g.cmd("meminfo -c", 120)
        if "Consistency check: ok" not in out:
            self.fail("meminfo -c", out)
        got = parse_meminfo(out)
        if got != self.e:
            diff = {k: (got[k], self.e[k]) for k in got if got[k] != self.e[k]}
            self.fail("meminfo (seen, model): %r" % diff, out)
        self.check_lsmem()
        out = self.g.cmd("free", 120)
        m = re.search(r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\nOffline:\s+(\d+)", out, re.M)
        want = (self.e["managed"], self.e["used"], self.e["free"],
                self.e["offline"] + self.e["page_offline"])
        if not m or tuple(map(int, m.groups())) != want:
            self.fail("free: expected total, used, free, offline %r" % (want,), out)

    def check_lsmem(self):
        out = self.g.cmd("lsmem -a", 120)
        seen, self.removable = {}, {}
        for m in re.finditer(r"^0x\S+\s+\S+\s+(online|offline)\s+(yes|no)\s+(\d+)\s+\S+$", out, re.M):
            seen[int(m.group(3))] = m.group(1)
            self.removable[int(m.group(3))] = m.group(2)
        if seen != self.state:
            self.fail("lsmem %r != model %r" % (seen, self.state), out)
        self.check_removable(out)
        on = sum(1 for s in self.state.values() if s == "online") * BLOCK
        off = len(self.state) * BLOCK - on
        hot = [b for b in self.state if self.src[b] != "boot"]
        want = ["Total online memory:  %8s" % human(on), "Total offline memory: %8s" % human(off)]
        if hot:
            want.append("Hot-added blocks:     %d (block %s)\n" % (len(hot), ranges(hot)))
        elif "Hot-added blocks" in out:
            self.fail("lsmem lists hot-added blocks, model has none", out)
        for w in want:
            if w not in out:
                self.fail("lsmem: expected %r" % w, out)

    def undo_all(self):
        """Release, offline and remove everything but block 0, add block 1
        back: free must be its boot value (block 1's boot memmap, freed,
        pays for its new one)."""
        if self.held:
            self.run("memhold release")
            self.add(free=4 * self.held, used=-4 * self.held)
            self.held = 0
        for _ in range(8):
            for x in sorted(self.state):
                if x != 0 and self.state[x] == "online" and \
                        "disabled" in self.run("chmem -d -b %d" % x):
                    self.onlined(x, -1)
            for x in sorted(self.state):
                if self.state[x] == "offline" and \
                        "removed" in self.run("memhotplug remove %#x 128M" % (x * BLOCK)):
                    self.removed(x)
            if list(self.state) == [0]:
                break
        if list(self.state) != [0]:
            self.fail("could not undo everything: %r" % self.state)
        self.check()
        if "added" not in self.run("memhotplug add %#x 128M" % BLOCK):
            self.fail("block 1 could not be added back")
        self.added(1, False)
        if "enabled" not in self.run("chmem -e -b 1"):
            self.fail("block 1 could not go online again")
        self.onlined(1)
        self.check()
        if self.e["free"] != self.boot_free:
            self.fail("free %d after undoing everything, %d at boot" % (self.e["free"],
                                                                        self.boot_free))


def run_seed(boot, seed, ncmds, undo_every=400):
    """Boot MEM=1G mem=256M, run ncmds random commands of seed against the
    model; returns the model (its count: commands sent). Raises Drift."""
    import random
    g = boot(cmdline="mem=256M", mem="1G")
    tag = "mm fuzz seed %d" % seed
    g.log.write("\n[%s, %d commands]\n" % (tag, ncmds))
    m = Model(g, random.Random(seed), tag)
    n = 0
    while n < ncmds:
        m.step()
        n += 1
        if n % undo_every == 0:
            m.undo_all()
    m.undo_all()
    g.log.write("\n[%s: %d commands sent in all, %d checks]\n" % (tag, m.count, m.checks))
    return m
