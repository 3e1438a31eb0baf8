#!/usr/bin/env python3
"""make bench-qemu: ballast against Linux in the same QEMU, virtio-balloon,
the same QMP sequence and the same timing code for both.

    bench_qemu.py --iso build/bench/k/ballast.iso [--reps 3] [--os bl,lx]
    bench_qemu.py --report-only [DIR]     tables, CSV and plot from kept runs

Both guests run under one QEMU command line (the boot arguments aside):
    qemu-system-x86_64 -accel tcg -machine pc -m 1024M -smp 1 -nodefaults
      -display none -no-reboot -serial stdio -qmp unix:SOCK,server=on,wait=off
      -device virtio-balloon-pci,id=balloon0
ballast boots `-cdrom` its GRUB ISO; Linux is Debian 12's own 6.1 kernel
with `-kernel`/`-initrd` (tests/qemu/bench/build-linux.sh: busybox and the
kernel's own virtio_pci and virtio_balloon modules).

Each repeat is a fresh boot of each OS, one after the other (ballast, Linux,
ballast, ...). Once the guest's prompt is up and its driver has set
DRIVER_OK, QMP `balloon` 256, 128, 900, 1024 MiB, one after the other; for
each step the time from sending `balloon` to the first `query-balloon`
showing the value exactly (polled back to back with a 10 ms sleep between
polls, at most --step-timeout s). Also kept: when the guest last wrote
`actual`, from the timestamp of QEMU's BALLOON_CHANGE event (QEMU throttles
the delivery of that event to one a second, but stamps it when it is
raised), which has no polling granularity. Between steps, untimed, the
guest's own view (ballast `free` and `balloon`, Linux /proc/meminfo and
/proc/vmstat). Tables: median [min-max] and Linux/ballast of the medians.

Free page reporting (a second boot of each OS per repeat, -m 2048M and
`-device virtio-balloon-pci,id=balloon0,free-page-reporting=on`, the rest
of the command line as above): QEMU's RSS (VmRSS of /proc/PID/status) once
it rests, then 1200 MiB touched and freed (ballast `memtest 1200M`: it
allocates, writes, verifies and frees; Linux `fill 1200` of linux-init: a
tmpfs file written with dd and deleted); from the prompt after it (the
free) RSS is polled every 50 ms: seconds until it is 1 GiB below where it
was at the free (at most --fall-timeout s), and, once it rests again, the
share of the 1200 MiB freed it gave back. memtest frees block by block as
it verifies, so ballast also times a free at one moment, as Linux's rm is:
`memhold 1200M` (a word written in each page), then `memhold release`.

Writes build/bench/qemu.csv, build/bench/qemu.md, build/bench/qemu-balloon.png
(matplotlib: query-balloon `actual` against time, both OSes, repeat 1) and
keeps each boot's serial log and samples in build/bench/qemu-runs/.
Closing line: N passed, N failed (one per boot that did the whole sequence).
"""
import argparse
import csv
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.dont_write_bytecode = True   # no __pycache__ in tests/qemu (as runner.py)
sys.path.insert(0, os.path.dirname(HERE))
import guest as guestlib  # noqa: E402  tests/qemu/guest.py
import qmp as qmplib  # noqa: E402  tests/qemu/qmp.py
sys.path.insert(0, HERE)
import bench_mem  # noqa: E402  the virtio-mem figure

MiB = 1 << 20
MEM_MIB = 1024
STEPS = [256, 128, 900, 1024]
OSES = {"bl": "ballast", "lx": "Linux"}
PROMPT = {"bl": "ballast> ", "lx": "linux> "}
POLL_S = 0.010
QEMU_BASE = ["qemu-system-x86_64", "-accel", "tcg", "-machine", "pc", "-m", "%dM" % MEM_MIB,
             "-smp", "1", "-nodefaults", "-display", "none", "-no-reboot", "-serial", "stdio"]
DEVICE = ["-device", "virtio-balloon-pci,id=balloon0"]
# the free page reporting figure: a guest that can free 1.2 GiB
REPORT_MEM_MIB = 2048
REPORT_DEVICE = ["-device", "virtio-balloon-pci,id=balloon0,free-page-reporting=on"]
REPORT_FREE_MIB = 1200
REPORT_FILL = {"bl": "memtest %dM" % REPORT_FREE_MIB, "lx": "fill %d" % REPORT_FREE_MIB}
REPORT_FILL_OK = {"bl": "ok (0 bad words)", "lx": "written and freed"}
REPORT_FALL_MIB = 1024
RSS_POLL_S = 0.050


class BenchError(Exception):
    pass


# ---- one guest -----------------------------------------------------------
class Guest(guestlib.Guest):
    """A QEMU process on the bench's command line: guest.py's serial line on
    pipes and QMP on a unix socket, at ballast's prompt or Linux's."""

    def __init__(self, os_, boot_args, run_dir, name, mem_mib=MEM_MIB, device=DEVICE):
        self.os = os_
        self.sock = qmplib.socket_path(run_dir, name)
        m = mem_mib if isinstance(mem_mib, str) else "%dM" % mem_mib
        base = [m if a == "%dM" % MEM_MIB else a for a in QEMU_BASE]
        argv = base + ["-qmp", "unix:%s,server=on,wait=off" % self.sock] + device + boot_args
        try:
            super().__init__(None, None, None, os.path.join(run_dir, name + ".log"),
                             qmp_path=self.sock, argv=argv)
        except guestlib.TestFailure as e:
            raise BenchError("%s: %s" % (OSES[self.os], e))

    def expect(self, pattern, timeout):
        try:
            return super().expect(pattern, timeout)
        except guestlib.TestFailure as e:
            raise BenchError("%s: %s" % (OSES[self.os], e))

    def cmd(self, line, timeout=60):
        self.send(line)
        out = self.expect(re.escape(PROMPT[self.os]), timeout)[:-len(PROMPT[self.os])]
        nl = out.find("\n")
        return out[nl + 1:] if nl >= 0 else ""

    def stop(self):
        """poweroff (killed after 20 s), the rest of its output logged."""
        if self.proc.poll() is None:
            try:
                self.send("poweroff")
                self.proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        while self._read(0) is True:
            pass
        self.kill()


BALLOON_PATH = "/machine/peripheral/balloon0"


def driver_ok(g, dev=BALLOON_PATH):
    """True once the guest's driver has set DRIVER_OK (x-query-virtio-status),
    None when this QEMU cannot say."""
    try:
        st = g.qmp.execute("x-query-virtio-status", {"path": dev + "/virtio-backend"})
    except qmplib.QMPError:
        return None
    return "DRIVER_OK" in str(st.get("status", ""))


def features(g, dev=BALLOON_PATH):
    """The features the guest's driver negotiated, by QEMU's names."""
    try:
        st = g.qmp.execute("x-query-virtio-status", {"path": dev + "/virtio-backend"})
    except qmplib.QMPError:
        return []
    gf = st.get("guest-features", {})
    return [f.split(":")[0] for k in ("dev-features", "transports") for f in gf.get(k, [])]


def guest_view(g):
    """The guest's own figures, untimed: total memory in KiB and the rest raw."""
    if g.os == "bl":
        free = g.cmd("free")
        m = re.search(r"^Mem:\s+(\d+)", free, re.M)
        bal = g.cmd("balloon")
        return (int(m.group(1)) if m else None), bal
    mem = g.cmd("mem")
    m = re.search(r"^MemTotal:\s+(\d+)", mem, re.M)
    return (int(m.group(1)) if m else None), g.cmd("balloon")


def run_step(g, mib, timeout, stall):
    """balloon to mib; ms to the first query-balloon showing it (None if it
    stopped short: no change for stall s, or timeout s in all), the samples,
    and ms to the BALLOON_CHANGE raised with the last value seen."""
    want = mib * MiB
    g.qmp.events.clear()
    samples = []
    wall0 = time.time()
    t0 = time.monotonic()
    g.qmp.execute("balloon", {"value": want})
    reached, changed = None, 0.0
    while True:
        actual = g.qmp.execute("query-balloon")["actual"]
        t = (time.monotonic() - t0) * 1000.0
        if samples and actual / MiB != samples[-1][1]:
            changed = t
        samples.append((t, actual / MiB))
        if actual == want:
            reached = t
            break
        if t > timeout * 1000 or t - changed > stall * 1000:
            break
        time.sleep(POLL_S)
    # the event for the last write of actual may sit in QEMU's 1 s throttle
    ev_ms = None
    deadline = time.time() + 2.5
    while time.time() < deadline:
        for e in g.qmp.events:
            if e.get("event") == "BALLOON_CHANGE" and e["data"].get("actual") == actual:
                ts = e["timestamp"]
                ev_ms = (ts["seconds"] + ts["microseconds"] / 1e6 - wall0) * 1000.0
        if ev_ms is not None:
            break
        g.qmp.poll_events(0.1)
    return reached, samples, ev_ms, actual / MiB


def boot(os_, args, run_dir, name, backend=BALLOON_PATH, append="", **guest_kw):
    """A fresh guest at its prompt, its driver of the device at backend (a
    QOM path) past DRIVER_OK; append: more of Linux's command line."""
    if os_ == "bl":
        boot_args = ["-cdrom", args.iso, "-boot", "d"]
    else:
        boot_args = ["-kernel", os.path.join(args.linux, "vmlinuz"),
                     "-initrd", os.path.join(args.linux, "initrd.gz"),
                     "-append", ("console=ttyS0 quiet " + append).strip()]
    t0 = time.monotonic()
    g = Guest(os_, boot_args, run_dir, name, **guest_kw)
    try:
        g.expect(re.escape(PROMPT[os_]), args.boot_timeout)
        # the driver is up once DRIVER_OK is set; give it a bounded while
        deadline = time.monotonic() + 30
        while driver_ok(g, backend) is False and time.monotonic() < deadline:
            time.sleep(0.1)
    except Exception:
        g.stop()
        raise
    return g, (time.monotonic() - t0) * 1000.0


def one_boot(os_, rep, args, run_dir):
    """One boot, the whole sequence; the record kept as JSON for --report-only."""
    name = "%s-%d" % (os_, rep)
    rec = {"os": os_, "rep": rep, "steps": [], "error": None}
    try:
        g, rec["boot_ms"] = boot(os_, args, run_dir, name)
    except (BenchError, qmplib.QMPError) as e:
        rec["error"] = str(e)
        return rec
    try:
        rec["driver_ok"] = driver_ok(g)
        rec["features"] = features(g)
        kib, raw = guest_view(g)
        rec["before"] = {"total_kib": kib, "raw": raw}
        for mib in STEPS:
            ms, samples, ev_ms, final = run_step(g, mib, args.step_timeout, args.stall)
            step = {"mib": mib, "ms": ms, "event_ms": ev_ms, "final": final,
                    "samples": samples, "total_kib": None, "raw": ""}
            rec["steps"].append(step)
            print("bench-qemu: %s rep %d: balloon %d: %s%s" % (
                OSES[os_], rep, mib, "%.0f ms" % ms if ms is not None
                else "stopped short at %g MiB after %.0f ms" % (final, samples[-1][0]),
                ", last actual written at %.0f ms" % ev_ms if ev_ms is not None else ""), flush=True)
            step["total_kib"], step["raw"] = guest_view(g)
    except (BenchError, qmplib.QMPError) as e:
        rec["error"] = str(e)
    finally:
        g.stop()
    return rec


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
    if not m:
        raise BenchError("no VmRSS for QEMU pid %d" % pid)
    return int(m.group(1)) * 1024


def rss_rest(g, limit, quiet=3.0):
    """RSS once it has not moved by more than 8 MiB for quiet s (or after
    limit s): (bytes, samples from now)."""
    t0 = time.monotonic()
    last = rss_bytes(g.pid)
    since, samples = t0, [(0.0, last)]
    while time.monotonic() - since < quiet and time.monotonic() - t0 < limit:
        time.sleep(0.25)
        now = rss_bytes(g.pid)
        samples.append((time.monotonic() - t0, now))
        if abs(now - last) > 8 * MiB:
            last, since = now, time.monotonic()
    return samples[-1][1], samples


def one_report_boot(os_, rep, args, run_dir):
    """The free page reporting figure: one boot, RSS at rest, 1200 MiB
    touched and freed, RSS until it falls by 1 GiB and rests."""
    name = "%s-report-%d" % (os_, rep)
    rec = {"os": os_, "rep": rep, "kind": "report", "steps": [], "error": None}
    try:
        g, rec["boot_ms"] = boot(os_, args, run_dir, name, mem_mib=REPORT_MEM_MIB,
                                 device=REPORT_DEVICE)
    except (BenchError, qmplib.QMPError) as e:
        rec["error"] = str(e)
        return rec
    try:
        rec["features"] = features(g)
        rec["rest"], _ = rss_rest(g, 60)
        t0 = time.monotonic()
        out = g.cmd(REPORT_FILL[os_], 600)
        t_free = time.monotonic()
        rec["fill_s"] = t_free - t0
        if REPORT_FILL_OK[os_] not in out:
            raise BenchError("%s: %s said: %s" % (OSES[os_], REPORT_FILL[os_], out.strip()))
        high = rec["high"] = rss_bytes(g.pid)
        samples, fall = [(0.0, high)], None
        while True:
            t = time.monotonic() - t_free
            r = rss_bytes(g.pid)
            samples.append((t, r))
            if high - r >= REPORT_FALL_MIB * MiB:
                fall = t
                break
            if t > args.fall_timeout:
                break
            time.sleep(RSS_POLL_S)
        rec["fall_s"] = fall
        rec["low"], more = rss_rest(g, 30)
        rec["samples"] = samples + [(samples[-1][0] + t, r) for t, r in more[1:]]
        rec["gave_back"] = (high - rec["low"]) / float(REPORT_FREE_MIB * MiB)
        if os_ == "bl":
            # memtest frees block by block as it verifies; memhold's
            # release frees all at one moment, as Linux's rm does
            out = g.cmd("memhold %dM" % REPORT_FREE_MIB, 600)
            hi2 = rss_bytes(g.pid)
            out += g.cmd("memhold release", 600)
            t_rel = time.monotonic()
            if "released" not in out:
                raise BenchError("ballast: memhold said: %s" % out.strip())
            while hi2 - rss_bytes(g.pid) < REPORT_FALL_MIB * MiB:
                if time.monotonic() - t_rel > args.fall_timeout:
                    break
                time.sleep(RSS_POLL_S)
            else:
                rec["fall_point_s"] = time.monotonic() - t_rel
        if os_ == "bl":
            rec["raw"] = g.cmd("balloon")
        print("bench-qemu: %s rep %d: reporting: RSS %d MiB at rest, %d after %s (%.1f s), "
              "%s, rests at %d MiB: %.0f%% of %d MiB back" % (
                  OSES[os_], rep, rec["rest"] // MiB, high // MiB, REPORT_FILL[os_], rec["fill_s"],
                  "1 GiB less after %.2f s" % fall if fall is not None
                  else "not 1 GiB less within %.0f s" % args.fall_timeout,
                  rec["low"] // MiB, 100 * rec["gave_back"], REPORT_FREE_MIB), flush=True)
    except (BenchError, qmplib.QMPError, OSError) as e:
        rec["error"] = str(e)
    finally:
        g.stop()
    return rec


def report_table(recs):
    out = ["#### Free page reporting: a %d MiB guest, free-page-reporting=on, %d MiB touched "
           "and freed\n" % (REPORT_MEM_MIB, REPORT_FREE_MIB)]
    out.append("ballast `%s`, Linux `%s` (a tmpfs file written with dd and deleted). QEMU's "
               "VmRSS polled every %.0f ms from the guest's prompt after the free: seconds "
               "until it is %d MiB below where it was at the free, and the share of the "
               "%d MiB freed it gave back once it rested (3 s without moving more than 8 MiB).\n"
               % (REPORT_FILL["bl"], REPORT_FILL["lx"], RSS_POLL_S * 1000, REPORT_FALL_MIB,
                  REPORT_FREE_MIB))
    out.append("| | ballast | Linux | Linux/ballast |")
    out.append("| --- | --- | --- | --- |")

    def sel(os_, key, f=lambda v: v):
        return [f(r[key]) for r in recs if r["os"] == os_ and not r["error"]
                and r.get(key) is not None]

    def fcell(v, fmt):
        if not v:
            return "-"
        if len(v) == 1:
            return fmt % v[0]
        return (fmt + " [" + fmt + "-" + fmt + "]") % (med(v), min(v), max(v))

    def fratio(bl, lx):
        return "%.2f" % (med(lx) / med(bl)) if bl and lx and med(bl) else "-"

    rows = [("s from the free to RSS 1 GiB lower", "fall_s", lambda v: v, "%.2f"),
            ("... from a free at one moment (ballast `memhold %dM`, `memhold release`; "
             "Linux's rm is one)" % REPORT_FREE_MIB, "fall_point_s", lambda v: v, "%.2f"),
            ("share of the freed memory given back", "gave_back", lambda v: 100 * v, "%.0f%%"),
            ("RSS at rest, MiB", "rest", lambda v: v / MiB, "%.0f"),
            ("RSS at the free, MiB", "high", lambda v: v / MiB, "%.0f"),
            ("RSS after, MiB", "low", lambda v: v / MiB, "%.0f"),
            ("touch and free, s", "fill_s", lambda v: v, "%.1f")]
    for label, key, f, fmt in rows:
        bl, lx = sel("bl", key, f), sel("lx", "fall_s" if key == "fall_point_s" else key, f)
        out.append("| %s | %s | %s | %s |" % (label, fcell(bl, fmt), fcell(lx, fmt), fratio(bl, lx)))
    for os_ in ("bl", "lx"):
        never = [r["rep"] for r in recs if r["os"] == os_ and not r["error"] and r.get("fall_s") is None
                 and "fall_s" in r]
        if never:
            out.append("\n%s: RSS did not fall by 1 GiB in repeat(s) %s" % (
                OSES[os_], ", ".join(map(str, never))))
        feats = sorted({f for r in recs if r["os"] == os_ for f in r.get("features", [])})
        if feats:
            out.append("\n%s negotiated %s" % (OSES[os_], ", ".join(feats)))
    raw = [r["raw"] for r in recs if r["os"] == "bl" and r.get("raw")]
    if raw:
        lines = [ln for ln in raw[-1].splitlines() if re.match(r"^(reporting|drains):", ln)]
        if lines:
            out.append("\nballast's reporting lines (`balloon`, last repeat):\n")
            out.append("```\n" + "\n".join(lines) + "\n```")
    return "\n".join(out)


def run(args, run_dir):
    for f in os.listdir(run_dir):     # this run's OSes and figures replace their old runs
        fig = "report" if "-report-" in f else "mem" if "-mem-" in f else "balloon"
        if f.split("-")[0] in args.os and fig in args.figures:
            os.unlink(os.path.join(run_dir, f))
    this = sys.modules[__name__]
    for rep in range(1, args.reps + 1):
        for os_ in args.os:
            for fig in args.figures:
                if fig == "mem":
                    rec = bench_mem.one_boot(os_, rep, args, run_dir, this)
                else:
                    rec = (one_boot if fig == "balloon" else one_report_boot)(os_, rep, args, run_dir)
                tag = "" if fig == "balloon" else fig + "-"
                with open(os.path.join(run_dir, "%s-%s%d.json" % (os_, tag, rep)), "w") as f:
                    json.dump(rec, f)
                if rec["error"]:
                    print("bench-qemu: %s rep %d: %s" % (OSES[os_], rep, rec["error"]), flush=True)


def load(run_dir):
    recs = []
    for f in sorted(os.listdir(run_dir)):
        if f.endswith(".json"):
            with open(os.path.join(run_dir, f)) as fh:
                recs.append(json.load(fh))
    return recs


# ---- ballast's own counters ----------------------------------------------------
# Lines of ballast's `balloon` (drivers/balloon/cmd_balloon.c and the virtio
# backend's show, drivers/virtio/balloon.c) and what is taken from them; a
# line not found leaves its figures out, the raw output is kept anyway.
COUNTER_RX = [
    (r"^queues:\s+(\d+) pfns per element, (\d+) elements, (\d+) round trips, (\d+) pfns",
     ("per_elem", "elements", "round_trips", "pfns")),
    (r"^time:\s+(\d+) us in the device \(notify (\d+), wait (\d+), actual (\d+)\) "
     r"of (\d+) us in (\d+) calls",
     ("device_us", "notify_us", "wait_us", "actual_us", "backend_us", "backend_calls")),
    # before the notify was timed on its own
    (r"^time:\s+(\d+) us waiting for the device of (\d+) us in (\d+) calls",
     ("wait_us", "backend_us", "backend_calls")),
    (r"^time down:\s+decrease (\d+) ms, scrub (\d+) ms", ("decrease_ms", "scrub_ms")),
    (r"^time:\s+add (\d+) ms, populate (\d+) ms, remove (\d+) ms", ("add_ms", "populate_ms", "remove_ms")),
    (r"^last target: reached in (\d+) ms", ("took_ms",)),
    (r"^since boot:\s+up (\d+) KiB, down (\d+) KiB, (\d+) calls", ("up_kib", "down_kib", "calls")),
]
SINCE_BOOT = ("elements", "round_trips", "pfns", "wait_us", "backend_us", "backend_calls",
              "device_us", "notify_us", "actual_us",
              "decrease_ms", "scrub_ms", "add_ms", "populate_ms", "remove_ms", "up_kib",
              "down_kib", "calls")


def counters(raw):
    out = {}
    for line in raw.splitlines():
        for rx, keys in COUNTER_RX:
            m = re.match(rx, line.strip())
            if m:
                out.update(zip(keys, map(int, m.groups())))
    return out


# ---- tables ------------------------------------------------------------------
def med(v):
    return statistics.median(v) if v else None


def cell(v):
    if not v:
        return "-"
    if len(v) == 1:
        return "%.0f" % v[0]
    return "%.0f [%.0f-%.0f]" % (med(v), min(v), max(v))


def ratio(bl, lx):
    if not bl or not lx or not med(bl):
        return "-"
    return "%.2f" % (med(lx) / med(bl))


def poll_gap(recs, os_):
    gaps = []
    for r in recs:
        if r["os"] != os_:
            continue
        for s in r["steps"]:
            ts = [x[0] for x in s["samples"]]
            gaps += [b - a for a, b in zip(ts, ts[1:])]
    return med(gaps)


def tables(recs):
    out = []

    def sel(os_, mib, key):
        return [s[key] for r in recs if r["os"] == os_ for s in r["steps"]
                if s["mib"] == mib and s["ms"] is not None and s[key] is not None]

    def short(os_, mib):
        v = ["%g" % s["final"] for r in recs if r["os"] == os_ for s in r["steps"]
             if s["mib"] == mib and s["ms"] is None]
        return (" (not reached: %s MiB)" % ", ".join(v)) if v else ""

    out.append("#### QMP `balloon` on a 1024 MiB guest: ms from `balloon` to `query-balloon` showing the value\n")
    out.append("| target MiB | ballast ms | Linux ms | Linux/ballast | ballast, last `actual` written | "
               "Linux, last `actual` written | Linux/ballast |")
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    for mib in STEPS:
        bl, lx = sel("bl", mib, "ms"), sel("lx", mib, "ms")
        be, le = sel("bl", mib, "event_ms"), sel("lx", mib, "event_ms")
        out.append("| %d | %s%s | %s%s | %s | %s | %s | %s |" % (
            mib, cell(bl), short("bl", mib), cell(lx), short("lx", mib), ratio(bl, lx),
            cell(be), cell(le), ratio(be, le)))
    for os_ in ("bl", "lx"):
        boots = [r["boot_ms"] for r in recs if r["os"] == os_ and r.get("boot_ms")]
        g = poll_gap(recs, os_)
        if boots:
            out.append("")
            feats = sorted({f for r in recs if r["os"] == os_ for f in r.get("features", [])})
            out.append("%s: boot to prompt %s ms; query-balloon polled every %.1f ms (median gap); "
                       "negotiated %s" % (OSES[os_], cell(boots), g or 0, ", ".join(feats) or "?"))
    out.append("")
    out.append("#### Guest's view after each step (MemTotal / `free` total, MiB, repeat 1)\n")
    out.append("| target MiB | ballast | Linux |")
    out.append("| --- | --- | --- |")
    for mib in STEPS:
        row = []
        for os_ in ("bl", "lx"):
            v = [s["total_kib"] for r in recs if r["os"] == os_ and r["rep"] == 1
                 for s in r["steps"] if s["mib"] == mib and s["total_kib"]]
            row.append("%.1f" % (v[0] / 1024) if v else "-")
        out.append("| %d | %s | %s |" % (mib, row[0], row[1]))
    out.append("")
    out.append(own_table(recs))
    return "\n".join(out)


def own_table(recs):
    """ballast's counters per step: deltas of its since-boot counters from
    one `balloon` to the next, its clock for the step, and what of it was
    spent waiting for the device."""
    out = ["#### ballast's own counters per step (its `balloon` after each step; medians)\n"]
    per, last_raw = {}, None
    for r in recs:
        if r["os"] != "bl" or not r.get("before"):
            continue
        prev = counters(r["before"]["raw"])
        for s in r["steps"]:
            if not s["raw"]:
                continue
            c = counters(s["raw"])
            last_raw = s["raw"]
            d = {k: (c[k] - prev[k] if k in SINCE_BOOT and k in prev else c[k]) for k in c}
            d["host_ms"] = s["ms"] if s["ms"] is not None else s["samples"][-1][0]
            per.setdefault(s["mib"], []).append(d)
            prev = c
    if not per:
        return "\n".join(out + ["(no ballast runs)"])
    out.append("ballast's clock from the new target to done (`last target: reached in`). "
               "Of it: the virtio backend's calls (filling the element, the notify, waiting "
               "for the used ring), of those the wait after the notify, and the balloon core "
               "outside the backend (finding, isolating, freeing pages). Under TCG QEMU runs "
               "the queue's handler (the page discards) inside the notify write, so the "
               "device's work is in the notify's time, not in the wait; the backend times the "
               "notify, the wait and its writes of `actual` (all trips to the device) as "
               "'in the device'. own = guest time less the time in the device, as a share "
               "of the guest time.\n")
    lower = [False]
    cols = [("guest ms", "took_ms", 1), ("in backend calls ms", "backend_ms", 1),
            ("round trips", "round_trips", 1), ("in the device ms", "device_us", 1000),
            ("of it waiting after notify ms", "wait_us", 1000),
            ("core outside backend ms", "core_ms", 1), ("pfns per element", "per_elem", 1)]
    out.append("| target MiB | host ms | " + " | ".join(c[0] for c in cols) + " | own / guest | core / guest |")
    out.append("| --- " * (len(cols) + 4) + "|")
    for mib in STEPS:
        v = per.get(mib, [])
        if not v:
            continue
        for d in v:
            if "backend_us" in d:
                d["backend_ms"] = d["backend_us"] / 1000.0
            elif "decrease_ms" in d:
                d["backend_ms"] = d["decrease_ms"] + d.get("populate_ms", 0)
            if "took_ms" in d and "backend_ms" in d:
                d["core_ms"] = d["took_ms"] - d["backend_ms"]
            if "took_ms" in d and "device_us" in d:
                d["own_ms"] = d["took_ms"] - d["device_us"] / 1000.0
            elif "took_ms" in d and "wait_us" in d:
                d["own_ms"] = d["took_ms"] - d["wait_us"] / 1000.0
            elif "core_ms" in d:
                # no device-wait counter: what is outside the backend's
                # calls, a lower bound of ballast's own work
                d["own_ms"] = d["core_ms"]
                lower[0] = True
        row = ["%d" % mib, "%.0f" % med([d["host_ms"] for d in v])]
        for _, k, div in cols:
            x = [d[k] / div for d in v if k in d]
            row.append(("%.1f" % med(x) if div > 1 or k in ("core_ms", "backend_ms") else "%.0f" % med(x))
                       if x else "-")
        for k in ("own_ms", "core_ms"):
            sh = [d[k] / d["took_ms"] for d in v if k in d and d.get("took_ms")]
            row.append("%.0f%%" % (100 * med(sh)) if sh else "-")
        out.append("| " + " | ".join(row) + " |")
    if lower[0]:
        out.append("\nThis build's `balloon` shows no device-wait counter: own work is "
                   "the guest time outside the backend's calls, a lower bound.")
    if last_raw:
        out.append("\nballast's `balloon` after the last step of the last repeat:\n")
        out.append("```\n" + last_raw.strip() + "\n```")
    return "\n".join(out)


def write_csv(path, recs, rrecs=(), mrecs=()):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        # virtio-mem: target_mib is the requested size, event_ms the size it came from
        for row in bench_mem.csv_rows(mrecs):
            w.writerow(row)
        for r in rrecs:
            w.writerow(["report", r["os"], r["rep"], REPORT_FREE_MIB,
                        "" if r.get("fall_s") is None else "%.1f" % (r["fall_s"] * 1000), "",
                        "%.0f" % (r["low"] / MiB) if r.get("low") else "",
                        "%.3f" % r["gave_back"] if r.get("gave_back") is not None else ""])
            for t, b in r.get("samples", []):
                w.writerow(["rss", r["os"], r["rep"], REPORT_FREE_MIB, "%.1f" % (t * 1000), "",
                            "%.1f" % (b / MiB), ""])
        w.writerow(["kind", "os", "rep", "target_mib", "ms", "event_ms", "actual_mib", "guest_total_kib"])
        for r in recs:
            if r.get("boot_ms"):
                w.writerow(["boot", r["os"], r["rep"], "", "%.1f" % r["boot_ms"], "", "", ""])
            if r.get("error"):
                w.writerow(["error", r["os"], r["rep"], "", "", "", "", r["error"].splitlines()[0]])
            for s in r["steps"]:
                w.writerow(["step", r["os"], r["rep"], s["mib"],
                            "" if s["ms"] is None else "%.1f" % s["ms"],
                            "" if s["event_ms"] is None else "%.1f" % s["event_ms"],
                            "%g" % s["final"], s["total_kib"] or ""])
                for t, a in s["samples"]:
                    w.writerow(["sample", r["os"], r["rep"], s["mib"], "%.1f" % t, "", "%g" % a, ""])


def plot(out, recs, title):
    try:
        import matplotlib
    except ImportError:
        # python3-matplotlib is Debian's, for /usr/bin/python3; a python3
        # of its own (pyenv, venv) on PATH does not see it
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import matplotlib
        except ImportError:
            print("bench-qemu: no matplotlib (apt-get install python3-matplotlib): no plot")
            return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4.5))
    any_ = False
    for os_, col in (("bl", "#1f77b4"), ("lx", "#d62728")):
        r = [x for x in recs if x["os"] == os_ and x["rep"] == 1]
        if not r or not r[0]["steps"]:
            continue
        # the steps one after the other, each from where the last one ended
        xs, ys, off, prev = [], [], 0.0, float(MEM_MIB)
        for s in r[0]["steps"]:
            xs.append(off / 1000.0)
            ys.append(prev)
            smp = s["samples"]
            if s["ms"] is None and smp:
                # stopped short: the wait for it to move again is not drawn
                # beyond 300 ms past its last change
                last = max([t for (t, a), (_, b) in zip(smp[1:], smp) if a != b] or [0.0])
                smp = [x for x in smp if x[0] <= last + 300]
            for t, a in smp:
                xs.append((off + t) / 1000.0)
                ys.append(a)
            off += smp[-1][0] if smp else 0
            prev = ys[-1]
        ax.step(xs, ys, where="post", color=col, lw=2, label=OSES[os_])
        any_ = True
    if not any_:
        plt.close(fig)
        return None
    ax.set_xlabel("seconds (QMP balloon 256, 128, 900, 1024 MiB, one after the other)")
    ax.set_ylabel("query-balloon actual, MiB")
    ax.set_ylim(0, 1100)
    ax.grid(True)
    ax.legend(loc="center right")
    ax.set_title(title)
    png = os.path.join(out, "qemu-balloon.png")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


def update_readme(md, png):
    readme = os.path.join(TOP, "docs", "bench-qemu.md")
    with open(readme) as f:
        s = f.read()
    begin, end = "<!-- bench-qemu begin -->", "<!-- bench-qemu end -->"
    if begin not in s or end not in s:
        print("bench-qemu: docs/bench-qemu.md has no bench-qemu markers; not updated")
        return
    md = md.replace("### make bench-qemu, ", "Measured ")
    if png:
        os.makedirs(os.path.join(TOP, "docs"), exist_ok=True)
        shutil.copyfile(png, os.path.join(TOP, "docs", "bench-qemu-balloon.png"))
        md += "\n\n![query-balloon actual during QMP balloon](bench-qemu-balloon.png)\n"
    s = s[:s.index(begin) + len(begin)] + "\n" + md.strip() + "\n" + s[s.index(end):]
    with open(readme, "w") as f:
        f.write(s)
    print("bench-qemu: docs/bench-qemu.md and docs/bench-qemu-balloon.png updated")


def qemu_version():
    try:
        v = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout
        return v.splitlines()[0].strip()
    except (OSError, IndexError):
        return "qemu-system-x86_64 (version unknown)"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iso", default=os.environ.get("QEMU_BENCH_ISO",
                                                    os.path.join(TOP, "build", "bench", "k", "ballast.iso")))
    ap.add_argument("--linux", default=os.path.join(TOP, "build", "qemu-bench", "linux"),
                    help="directory with vmlinuz and initrd.gz (build-linux.sh)")
    ap.add_argument("--reps", type=int, default=int(os.environ.get("QEMU_BENCH_REPS", "3")))
    ap.add_argument("--os", default=os.environ.get("QEMU_BENCH_OS", "bl,lx"),
                    help="bl (ballast), lx (Linux) or both")
    ap.add_argument("--step-timeout", type=float, default=60.0,
                    help="longest wait for one step, s")
    ap.add_argument("--stall", type=float, default=5.0,
                    help="a step stopped short when actual has not changed for this long, s")
    ap.add_argument("--boot-timeout", type=float, default=180.0)
    ap.add_argument("--fall-timeout", type=float, default=30.0,
                    help="longest wait for RSS to fall by 1 GiB after the free, s")
    ap.add_argument("--figures", default=os.environ.get("QEMU_BENCH_FIGURES", "balloon,report,mem"),
                    help="balloon (the QMP steps), report (free page reporting), mem "
                         "(virtio-mem plug and unplug), comma-separated")
    ap.add_argument("--update-readme", action="store_true",
                    default=bool(os.environ.get("QEMU_BENCH_README")),
                    help="put the tables into docs/bench-qemu.md (between the bench-qemu markers) "
                         "and the plot into docs/bench-qemu-balloon.png")
    ap.add_argument("--report-only", nargs="?", const="", default=None, metavar="DIR")
    args = ap.parse_args()
    args.os = [o for o in args.os.split(",") if o]
    if any(o not in OSES for o in args.os):
        sys.exit("bench-qemu: --os takes bl, lx")
    args.figures = [x for x in args.figures.split(",") if x]
    if any(x not in ("balloon", "report", "mem") for x in args.figures):
        sys.exit("bench-qemu: --figures takes balloon, report, mem")
    out = os.path.join(TOP, "build", "bench")
    run_dir = os.path.join(out, "qemu-runs")
    os.makedirs(run_dir, exist_ok=True)
    if args.report_only is None:
        if "bl" in args.os and not os.path.exists(args.iso):
            sys.exit("bench-qemu: no %s (make iso)" % args.iso)
        if "lx" in args.os and not os.path.exists(os.path.join(args.linux, "initrd.gz")):
            sys.exit("bench-qemu: no Linux guest in %s (tests/qemu/bench/build-linux.sh)" % args.linux)
        what = (["balloon %s MiB" % ", ".join(map(str, STEPS))] if "balloon" in args.figures else []) + \
            (["free page reporting (%d MiB freed)" % REPORT_FREE_MIB] if "report" in args.figures else []) + \
            (["virtio-mem requested-size %s MiB" % ", ".join(map(str, bench_mem.STEPS))]
             if "mem" in args.figures else [])
        print("bench-qemu: %s, %d repeats (a fresh boot each), %s"
              % (", ".join(OSES[o] for o in args.os), args.reps, "; ".join(what)), flush=True)
        run(args, run_dir)
    elif args.report_only:
        run_dir = args.report_only
    allrecs = load(run_dir)
    if not allrecs:
        sys.exit("bench-qemu: no runs in %s" % run_dir)
    recs = [r for r in allrecs if r.get("kind") not in ("report", "mem")]
    rrecs = [r for r in allrecs if r.get("kind") == "report"]
    mrecs = [r for r in allrecs if r.get("kind") == "mem"]
    date = datetime.datetime.utcfromtimestamp(
        max(os.path.getmtime(os.path.join(run_dir, f)) for f in os.listdir(run_dir))).strftime("%Y-%m-%d %H:%M UTC")
    lxver = ""
    kv = os.path.join(args.linux, "initramfs", "kernel-version")
    if os.path.exists(kv):
        lxver = open(kv).read().strip()
    reps = max(r["rep"] for r in allrecs)
    head = ("### make bench-qemu, %s\n\n%s, TCG, -machine pc -m 1024M -smp 1, "
            "virtio-balloon-pci (the virtio-mem figure: virtio-mem-pci instead, below); ballast %s, "
            "Linux %s (Debian 12, its own virtio_balloon and virtio_mem modules); "
            "%d repeat(s), a fresh boot each\n\n" % (date, qemu_version(), os.path.basename(os.path.dirname(args.iso))
                                                 == "k" and "DEBUG=0" or os.path.relpath(args.iso, TOP),
                                                 lxver or "6.1", reps))
    parts = [tables(recs)] if recs else []
    if rrecs:
        parts.append(report_table(rrecs))
    if mrecs:
        parts.append(bench_mem.table(mrecs, med, cell, ratio))
    text = "\n\n".join(parts)
    with open(os.path.join(out, "qemu.md"), "w") as f:
        f.write(head + text + "\n")
    print(head + text)
    write_csv(os.path.join(out, "qemu.csv"), recs, rrecs, mrecs)
    png = plot(out, recs, "query-balloon actual during QMP balloon, %s" % date) if recs else None
    print("bench-qemu: %s, %s%s" % (os.path.join(out, "qemu.csv"), os.path.join(out, "qemu.md"),
                                    ", " + png if png else ""))
    if args.update_readme:
        update_readme(head + text, png)
    # a step stopped short is a figure (the table says so), not a failure
    # ... as is RSS not falling in time (the table says so)
    passed = sum(1 for r in recs if not r["error"] and len(r["steps"]) == len(STEPS))
    passed += sum(1 for r in rrecs if not r["error"] and "low" in r)
    passed += sum(1 for r in mrecs if not r["error"] and len(r["steps"]) == len(bench_mem.STEPS))
    failed = len(allrecs) - passed
    for r in allrecs:
        if r["error"]:
            print("  %s rep %d: %s" % (OSES[r["os"]], r["rep"], r["error"].splitlines()[0]))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
