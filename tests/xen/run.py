#!/usr/bin/env python3
"""Boot Xen + a Linux dom0 under QEMU (software emulation) and run ballast
as a PV, PVH and HVM guest of it.

    run.py [--elf build/ballast.elf] [--iso build/ballast.iso]
           [--only REGEX] [--timeout 900] [-v]
    run.py --console pv|pvh|hvm     boot, create the guest, attach its console
    run.py --shell                  boot to a dom0 shell

The rig (Xen, dom0 kernel, dom0 initramfs) comes from tests/xen/build-rig.sh.
Each run appends a small second cpio archive to the dom0 initramfs: /init,
the scenario driver and helpers, the scenarios, the xl configs, the plan and
the guest kernel. Results are the RESULT lines dom0 prints on the serial
console; the closing line is "N passed, N failed". Python stdlib only.
"""
import argparse
import gzip
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time

import xlcfg

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

QEMU_CPU = "EPYC-v1,-monitor,+svm,+npt,-smap,-smep,-rdtscp"
# dom0 has one vCPU of its own, pinned to pCPU 0; guests run on pCPU 1
# (lib.sh: XT_GUEST_CPUS). With dom0's two vCPUs sharing both pCPUs with
# the guest's, dom0 programs (busybox applets, xl) died now and then of
# SIGSEGV or heap corruption while a guest was busy: in glibc's TLS setup
# reading another process's data, in free(). See tests/xen/README.md.
XEN_CMDLINE = ("console=com1 com1=115200,8n1 dom0_mem={dom0},max:{dom0} "
               "{dom0cpus} loglvl=all guest_loglvl=all")
# XEN_DOM0_CPUS=' ' (with XT_GUEST_CPUS= ) lets dom0 and guests share pCPUs
# again, for experiments on the crashes above.
DOM0_CPUS = "dom0_max_vcpus=1 dom0_vcpus_pin"
DOM0_MEM = ["512M"]
DOM0_CMDLINE = "console=hvc0 rdinit=/init quiet loglevel=3"


# ---- cpio (newc) -----------------------------------------------------------
class Cpio:
    def __init__(self):
        self.out = bytearray()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b""):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
            len(name_b), 0))
        self.ino += 1
        self.out += hdr.encode() + name_b
        self.out += b"\0" * ((4 - len(self.out) % 4) % 4)
        self.out += data
        self.out += b"\0" * ((4 - len(self.out) % 4) % 4)

    def mkdir(self, path):
        path = path.strip("/")
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                self._entry(d, 0o040755)

    def add(self, path, data, mode=0o644):
        path = path.strip("/")
        if "/" in path:
            self.mkdir(os.path.dirname(path))
        self._entry(path, 0o100000 | mode, data)

    def add_file(self, path, src, mode=None):
        with open(src, "rb") as f:
            data = f.read()
        if mode is None:
            mode = 0o755 if os.access(src, os.X_OK) else 0o644
        self.add(path, data, mode)

    def finish(self):
        self._entry("TRAILER!!!", 0)
        self.out += b"\0" * ((512 - len(self.out) % 512) % 512)
        return bytes(self.out)


def read_plan(path, only, types):
    plan = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            typ, scen = line.split()[:2]
            if types and typ not in types:
                continue
            if only and not re.search(only, "%s/%s" % (typ, scen)):
                continue
            plan.append((typ, scen))
    return plan


def build_payload(args, mode, plan):
    c = Cpio()
    c.add_file("init", os.path.join(HERE, "dom0", "init"), 0o755)
    c.add_file("xt/lib.sh", os.path.join(HERE, "dom0", "lib.sh"))
    c.add_file("xt/driver.sh", os.path.join(HERE, "dom0", "driver.sh"))
    for d in [os.path.join(HERE, "scenarios")] + args.scenario_dir:
        for n in sorted(os.listdir(d)):
            c.add_file("xt/scenarios/" + n, os.path.join(d, n))
    # the xl configs, generated from the tables; kept in RIG/run/cfg to read
    xlcfg.write(os.path.join(args.rig, "run", "cfg"), args.cfgs)
    for n, text in sorted(args.cfgs.items()):
        c.add("xt/cfg/" + n, text.encode())
    c.add("xt/mode", (mode + "\n").encode())
    c.add("xt/plan", "".join("%s %s\n" % p for p in plan).encode())
    # single-quoted for dom0's sh: words, and spaces and = (XT_GUEST_ARGS)
    env = "".join("export %s='%s'\n" % (k, v) for k, v in sorted(os.environ.items())
                  if re.match(r"^XT_[A-Z0-9_]+$", k) and re.match(r"^[\w.:/= -]*$", v))
    c.add("xt/env", env.encode())
    c.mkdir("xt/guest")
    if args.elf and os.path.exists(args.elf):
        c.add_file("xt/guest/ballast.elf", args.elf, 0o644)
    if args.iso and os.path.exists(args.iso):
        c.add_file("xt/guest/ballast.iso", args.iso, 0o644)
    for src in args.guest_file:
        c.add_file("xt/guest/" + os.path.basename(src), src, 0o644)
    return gzip.compress(c.finish(), compresslevel=1)


def ensure_rig(rig):
    script = os.path.join(HERE, "build-rig.sh")
    env = dict(os.environ, XEN_RIG_DIR=rig)
    r = subprocess.run([script], env=env)
    if r.returncode != 0:
        sys.exit("xen rig: build-rig.sh failed")


def qemu_argv(rig, initrd, mem, smp, xen="xen"):
    if not shutil.which("qemu-system-x86_64"):
        sys.exit("qemu-system-x86_64 missing (build-rig.sh installs it)")
    for p in (rig, initrd):
        if "," in p:
            sys.exit("path must not contain ',': %s" % p)
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", os.environ.get("XEN_QEMU_CPU", QEMU_CPU),
            "-m", str(mem), "-smp", str(smp), "-nographic", "-no-reboot",
            "-kernel", os.path.join(rig, xen), "-append",
            os.environ.get("XEN_CMDLINE_EXTRA", "") + " " +
            XEN_CMDLINE.format(dom0=DOM0_MEM[0],
                               dom0cpus=os.environ.get("XEN_DOM0_CPUS", DOM0_CPUS)),
            "-initrd", "%s %s %s,%s" % (os.path.join(rig, "vmlinuz"), DOM0_CMDLINE,
                                        os.environ.get("XEN_DOM0_CMDLINE_EXTRA", ""), initrd)]


def run_tests(args, argv, plan):
    log = open(args.log, "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    lines = queue.Queue()

    def reader():
        for raw in iter(proc.stdout.readline, b""):
            log.write(raw)
            log.flush()
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    results = []          # [name, verdict, detail, [detail lines]]
    soak = []             # the soak's per-type summary lines
    marks = {}
    deadline = t0 + args.timeout
    ended = "timeout"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            line = lines.get(timeout=min(left, 1.0))
        except queue.Empty:
            continue
        if line is None:
            ended = "qemu exited (%s)" % proc.wait()
            break
        line = line.replace("\x00", "").replace("\x1b[?7h", "").replace("\x1bc", "")
        if args.verbose:
            print("  . " + line, flush=True)
        el = time.monotonic() - t0
        m = re.search(r"RESULT (\S+) (PASS|FAIL|CRASH|SKIP) ?(.*)$", line)
        if m:
            results.append([m.group(1), m.group(2), m.group(3), []])
            print("RESULT %s %s %s" % m.groups(), flush=True)
            continue
        if line.startswith("  | ") and results:
            results[-1][3].append(line[4:])
            if results[-1][1] != "PASS":
                print("    " + line[4:], flush=True)
            continue
        if "dom0 ready" in line and "dom0" not in marks:
            marks["dom0"] = el
            print("xen-rig: Xen + dom0 up after %.0fs" % el, flush=True)
        elif line.startswith("xt: ") and ("prompt after" in line or "took" in line
                                         or "created" in line or "xl info" in line
                                         or line.startswith("xt: soak")
                                         or "dom0 dmesg" in line):
            if not args.verbose:
                print("  " + line, flush=True)
            if re.match(r"xt: soak \S+: .* passed, \d+ failed$", line):
                soak.append(line[len("xt: soak "):])
        if "XT-DONE" in line:
            ended = "done"
            break
        if re.search(r"Panic on CPU|Kernel panic|Reboot in five seconds", line):
            ended = "panic: " + line.strip()
            # keep reading a moment for the rest of the message
            deadline = min(deadline, time.monotonic() + 5)
    elapsed = time.monotonic() - t0
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    log.close()

    seen = {r[0] for r in results}
    for typ, scen in plan:
        name = "%s/%s" % (typ, scen)
        if name not in seen:
            results.append([name, "CRASH", "not run: rig %s after %.0fs" % (ended, elapsed), []])
            print("RESULT %s CRASH not run: rig %s after %.0fs" % (name, ended, elapsed))
    passed = sum(1 for r in results if r[1] == "PASS")
    skipped = sum(1 for r in results if r[1] == "SKIP")
    failed = len(results) - passed - skipped
    for line in soak:
        print("soak " + line)
    print("xen-rig: %s in %.0fs; serial log %s" % (ended, elapsed, args.log))
    if skipped:
        print("(%d skipped)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=os.path.join(TOP, "build", "ballast.elf"))
    ap.add_argument("--iso", default=os.path.join(TOP, "build", "ballast.iso"))
    ap.add_argument("--rig", default=os.path.join(TOP, "build", "xen-rig"))
    ap.add_argument("--plan", default=os.path.join(HERE, "plan"))
    ap.add_argument("--only", help="regex on TYPE/SCENARIO, e.g. 'pvh?/' or 'boot'")
    ap.add_argument("--types", help="comma separated: pv,pvh,hvm")
    ap.add_argument("--timeout", type=float, default=900, help="whole run, seconds")
    # 2560/512M: about 1.7 GiB for one guest, enough to grow one to 1536 MiB
    ap.add_argument("--mem", default="2560")
    ap.add_argument("--dom0-mem", default="512M", help="Xen's dom0_mem (default 512M)")
    ap.add_argument("--smp", default="2")
    ap.add_argument("--xen", default="xen",
                    help="the hypervisor, a file in RIG: xen (Debian's current), "
                         "xen-shadow (the one with shadow paging, build-rig.sh)")
    ap.add_argument("--log", help="serial log (default RIG/last-run.log)")
    ap.add_argument("--console", metavar="CFG",
                    help="interactive: create the guest CFG of tests/xen/cfg/guests.tab "
                         "(pv, pvh, hvm, pvhbal, ...) and attach its console")
    ap.add_argument("--shell", action="store_true", help="interactive dom0 shell")
    ap.add_argument("--cfg-dir", action="append", default=[],
                    help="extra directory with a guests.tab (xlcfg.py) adding to "
                         "and overriding tests/xen/cfg's")
    ap.add_argument("--scenario-dir", action="append", default=[],
                    help="extra directory of scenarios (make bench-xen)")
    ap.add_argument("--guest-file", action="append", default=[],
                    help="extra file to put in dom0's /xt/guest/")
    ap.add_argument("--standin", action="store_true",
                    help="rig self-test: a Linux+busybox stand-in plays ballast (pv, pvh)")
    ap.add_argument("--no-build", action="store_true", help="do not run build-rig.sh")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the serial console")
    args = ap.parse_args()
    args.rig = os.path.abspath(args.rig)
    args.log = args.log or os.path.join(args.rig, "last-run.log")

    if not args.no_build:
        ensure_rig(args.rig)
    if args.standin:
        sd = os.path.join(HERE, "standin")
        r = subprocess.run([os.path.join(sd, "make-standin.sh")],
                           env=dict(os.environ, XEN_RIG_DIR=args.rig))
        if r.returncode:
            sys.exit("make-standin.sh failed")
        args.elf = os.path.join(args.rig, "standin", "vmlinux")
        args.cfg_dir.append(os.path.join(sd, "cfg"))
        args.guest_file.append(os.path.join(args.rig, "standin", "standin.cpio.gz"))
        if os.path.exists(os.path.join(args.rig, "standin", "standin.iso")):
            args.iso = os.path.join(args.rig, "standin", "standin.iso")
    types = args.types.split(",") if args.types else None
    try:
        args.cfgs = xlcfg.read_dirs([os.path.join(HERE, "cfg")] + args.cfg_dir)
    except (OSError, ValueError) as e:
        sys.exit("xen-rig: %s" % e)
    if args.console:
        if args.console + ".cfg" not in args.cfgs:
            sys.exit("run-xen: no guest %s in tests/xen/cfg/guests.tab" % args.console)
        mode, plan = "console " + args.console, []
    elif args.shell:
        mode, plan = "shell", []
    else:
        mode, plan = "test", read_plan(args.plan, args.only, types)
        if not plan:
            # make test-xen runs three plans with the same --only/--types:
            # one may have nothing selected (say so, nothing failed)
            print("xen-rig: no scenario of %s selected (--only %s, --types %s)"
                  % (args.plan, args.only, args.types))
            print("0 passed, 0 failed")
            sys.exit(0)
    if not os.path.exists(args.elf):
        print("xen-rig: warning: %s missing; pv/pvh guests cannot be created" % args.elf)
    if not os.path.exists(args.iso) and ((args.console or "").startswith("hvm") or any(t.startswith("hvm") for t, _ in plan)):
        print("xen-rig: warning: %s missing (make iso); hvm guests cannot be created" % args.iso)

    run_dir = os.path.join(args.rig, "run")
    os.makedirs(run_dir, exist_ok=True)
    initrd = os.path.join(run_dir, "dom0-run.cpio.gz")
    payload = build_payload(args, mode, plan)
    with open(initrd, "wb") as out, open(os.path.join(args.rig, "dom0.cpio.gz"), "rb") as base:
        shutil.copyfileobj(base, out)
        out.write(payload)
    DOM0_MEM[0] = args.dom0_mem
    if not os.path.exists(os.path.join(args.rig, args.xen)):
        print("xen-rig: no %s in %s: booting xen" % (args.xen, args.rig), flush=True)
        args.xen = "xen"
    argv = qemu_argv(args.rig, initrd, args.mem, args.smp, args.xen)

    if mode != "test":
        print("xen-rig: booting Xen and dom0 (10-30 s); Ctrl-A X quits QEMU")
        os.execvp(argv[0], argv)
    print("xen-rig: %d scenarios, payload %d KiB, timeout %.0fs"
          % (len(plan), len(payload) // 1024, args.timeout), flush=True)
    sys.exit(run_tests(args, argv, plan))


if __name__ == "__main__":
    main()
