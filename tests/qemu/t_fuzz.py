"""1,000 random and malformed lines at the shell; it must still answer."""
import random

SEED = 20261123
SAFE_CMDS = ["help", "echo", "version", "cmdline", "e820", "loglevel", "dmesg",
             "free", "lsmem", "chmem", "memhotplug", "meminfo", "memtest", "xs", "xen"]
JUNK_ARGS = ["0xZZ", "-1", "99999999999999999999999", "18446744073709551616",
             "1.5G", "12Q", "", "--", "-b", "-e", "-d", "\"", "0x", "K", "4KK"]


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


def test_fuzz_1000_lines(boot):
    rng = random.Random(SEED)
    g = boot()
    print_seed = "fuzz seed %d" % SEED
    g.log.write("\n[%s]\n" % print_seed)
    for i in range(1000):
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
    assert "Commands (help CMD for usage):" in out and "poweroff" in out, print_seed + out
    g.send("poweroff")
    assert g.wait_exit() == 0, print_seed
