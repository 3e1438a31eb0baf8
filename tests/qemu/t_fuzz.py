"""Random input at the shell, two ways, seeded (BALLAST_FUZZ_SEED=N repeats a
run; the seed is in the log and in every failure message):

- 10,000 random and malformed lines: the shell must still answer;
- 2,000 random *valid* mm commands (hotplug add/remove with and without
  memmap-on-memory, chmem by block, range and size, memhold, memtest with
  hostile sizes, lsmem, free) against tests/qemu/mm_model.py: after every
  one, `meminfo -c`, `lsmem -a` and `free` must show exactly what the model
  predicts; every few hundred, everything is undone and `free` must be back
  at its boot value. `make fuzz-shell` runs many seeds and long runs;
- the seeds that ever drifted (REGRESSIONS), and the re-add of a block
  above mem= next to hot-added and removed neighbours, step by step.
"""
import os
import random

import mm_model

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


# ---- valid mm commands against a model (mm_model.py) ------------------------

# (seed, commands) of every run that ever drifted from the model, fixed since;
# `make fuzz-shell` finds new ones.
REGRESSIONS = [
    (5, 1),  # chmem -d 384M reached block 0 before the model had read lsmem's verdicts
]


def test_fuzz_2000_valid_mm_commands(boot):
    mm_model.run_seed(boot, seed(), 2000)


def test_fuzz_mm_regressions(boot):
    for sd, n in REGRESSIONS:
        mm_model.run_seed(boot, sd, n)


def test_mm_readd_above_mem(boot):
    """The case a new user's run tripped over: blocks above mem= (2-7 with
    MEM=1G mem=256M) added, onlined, offlined and removed around a
    neighbour, which is then added again both ways, every step checked."""
    g = boot(cmdline="mem=256M", mem="1G")
    m = mm_model.Model(g, None, "readd above mem=")
    steps = [("add", 2, True), ("add", 4, False), ("add", 3, False), ("on", 3), ("on", 4),
             ("on", 2), ("off", 3), ("rm", 3), ("off", 2), ("rm", 2), ("add", 3, True),
             ("on", 3), ("off", 4), ("rm", 4), ("off", 3), ("rm", 3), ("add", 3, False),
             ("add", 2, False), ("add", 4, True), ("on", 3), ("off", 3), ("rm", 3),
             ("add", 3, True), ("add", 7, True), ("on", 7), ("off", 7), ("rm", 7),
             ("add", 7, False)]
    for step in steps:
        m.directed(*step)
    m.undo_all()
