#!/usr/bin/env python3
"""Boot tests: every test_* function in tests/qemu/t_*.py boots ballast under
QEMU (through boot(...)) and checks what its serial console shows.

    runner.py --elf build/ballast.elf [NAME-FILTER]

Prints one line per test and closes with 'N passed, N failed'. Each test's
console is logged to build/qemu-tests/NAME.log.
"""
import argparse
import glob
import importlib.util
import os
import signal
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402


def load_tests(filt):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "t_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            if not filt or filt in name:
                yield name, getattr(mod, name)


def run_one(name, fn, elf):
    guests = []

    def boot(cmdline="", mem="512M", smp=1, wait=True, devices=(), qmp=False,
             machine=None, extra=(), script=None, script_args=(), no_reboot=True,
             pty=False):
        """devices: -device arguments; extra: further QEMU arguments as they
        are; qmp: a QMP socket (build/qemu-tests/NAME.qmp), g.qmp its client;
        no_reboot=False: a reset restarts the guest (no -no-reboot); pty:
        the serial line on a pseudo-terminal, not pipes;
        script: boot through that script instead (boot/qemu.sh ISO MEM SMP
        [script_args...], as make run does), the other QEMU options then do
        not apply."""
        iso = guest.make_iso(elf, cmdline, name)
        tag = name if not guests else "%s.%d" % (name, len(guests))
        qmp_path = guest.qmp_socket_path(guest.BUILD, tag) if qmp else None
        argv = None
        if script:
            argv = [os.path.join(guest.ROOT, script), iso, mem, str(smp)] + list(script_args)
        g = guest.Guest(iso, mem, smp, os.path.join(guest.BUILD, name + ".log"),
                        devices=devices, machine=machine, extra=extra, qmp_path=qmp_path,
                        argv=argv, no_reboot=no_reboot, pty=pty)
        guests.append(g)
        if wait:
            g.wait_prompt(90)
        return g

    try:
        fn(boot)
        return None
    except Exception as e:  # noqa: BLE001 - every failure is reported
        if isinstance(e, (guest.TestFailure, AssertionError)):
            return str(e) or traceback.format_exc(limit=3)
        return traceback.format_exc()
    finally:
        for g in guests:
            g.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elf", required=True)
    ap.add_argument("filter", nargs="?")
    args = ap.parse_args()
    # killed (a timeout, a Ctrl-C'd make): the test's finally still kills its QEMUs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    elf = os.path.abspath(args.elf)
    passed = failed = 0
    for name, fn in load_tests(args.filter):
        t0 = time.time()
        err = run_one(name, fn, elf)
        dt = time.time() - t0
        if err is None:
            passed += 1
            print("ok   %-40s %5.1fs" % (name, dt), flush=True)
        else:
            failed += 1
            print("FAIL %-40s %5.1fs\n    %s" % (name, dt, err.replace("\n", "\n    ")),
                  flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
