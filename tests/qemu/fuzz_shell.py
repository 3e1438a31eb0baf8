#!/usr/bin/env python3
"""Random mm shell commands against the block model (tests/qemu/mm_model.py),
many seeds, outside make test: one guest (MEM=1G, mem=256M, QEMU TCG) per
seed, one at a time.

    fuzz_shell.py --elf build/ballast.elf --seeds 1-50 --cmds 2000 [--undo-every 400]

Prints 'seed N: K commands, 0 drift' (or the drift) per seed, the commands
per second, and closes with 'N passed, N failed'. Logs in
build/qemu-tests/fuzz-shell-SEED.log. A seed that drifts becomes a line in
t_fuzz.py's REGRESSIONS once fixed.
"""
import argparse
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
import mm_model  # noqa: E402


def seeds(spec):
    for part in spec.split(","):
        a, _, b = part.partition("-")
        yield from range(int(a), int(b or a) + 1)


def one(elf, seed, ncmds, undo_every):
    guests = []

    def boot(cmdline, mem):
        name = "fuzz-shell-%d" % seed
        g = guest.Guest(guest.make_iso(elf, cmdline, name), mem, 1,
                        os.path.join(guest.BUILD, name + ".log"))
        guests.append(g)
        g.wait_prompt(90)
        return g
    m = err = None
    try:
        m = mm_model.run_seed(boot, seed, ncmds, undo_every)
    except (mm_model.Drift, guest.TestFailure) as e:
        err = str(e)
    finally:  # a Ctrl-C too: no QEMU left behind
        while guests:
            guests.pop().kill()
    return m, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elf", required=True)
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--cmds", type=int, default=2000)
    ap.add_argument("--undo-every", type=int, default=400,
                    help="undo everything (free back at its boot value) every N commands")
    args = ap.parse_args()
    passed = failed = total = 0
    t_all = time.time()
    for sd in seeds(args.seeds):
        t0 = time.time()
        m, err = one(args.elf, sd, args.cmds, args.undo_every)
        dt = time.time() - t0
        if err:
            failed += 1
            print("seed %d: DRIFT\n%s" % (sd, err), flush=True)
            continue
        passed += 1
        total += m.count
        print("seed %d: %d commands, 0 drift (%d random, the rest undoing; %.0f s, "
              "%.1f ms per command with its checks)"
              % (sd, m.count, args.cmds, dt, 1000 * dt / m.count), flush=True)
    print("%d commands (%d random) in %.0f s" % (total, passed * args.cmds, time.time() - t_all))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
