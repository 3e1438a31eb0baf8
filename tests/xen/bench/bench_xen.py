#!/usr/bin/env python3
"""make bench-xen: ballast against the Linux stand-in, in one boot of the
nested Xen rig (tests/xen), the same configs and the same timing for both.

    bench_xen.py [--types pv,pvh] [--reps 3] [--podmax 4096] [--mem 2560]
    bench_xen.py --report-only [LOG]     tables, CSV and plot from a kept log

Figures (tests/xen/bench/scenarios): `xl mem-set` 1000, 128, 900, 256 at
memory=256 maxmem=1024; PoD boot (memory=256, maxmem=PODMAX) against
memory == maxmem = 256; the smallest boot (ballast at 64 MiB, Linux at the
smallest it boots with); hot-add (256/256, `xl mem-max` + `xl mem-set` 1536,
then 256). Every timing XT_BENCH_REPS times; tables give median [min-max]
and the ratio Linux/ballast of the medians (> 1: ballast is faster).

Writes build/bench/xen.csv (every timing, every `xl list` sample, ballast's
own counters), build/bench/xen.md (the tables), build/bench/xen-balloon.png
(gnuplot: `xl list` memory against time through the first mem-set
sequence, ballast and Linux on the same axes) and keeps the serial log in
build/bench/xen-run.log. Closing line: N passed, N failed (the scenarios).
"""
import argparse
import csv
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
STEPS = ["1000", "128", "900", "256"]
SAVE_STEPS = [("save", "`xl save`"), ("restore", "`xl restore`"),
              ("checkpoint", "`xl save -c`"), ("migrate", "`xl migrate` (localhost)")]


def plan_for(types):
    p = []
    for t in types:
        p += ["bl%s bench-memset" % t, "lx%s bench-memset" % t]
    for t in types:
        p += ["bl%smin bench-boot" % t, "lx%smin bench-minboot" % t]
    for t in types:
        if t != "pv":       # PoD is for translated guests only
            p += ["bl%spod bench-boot" % t, "lx%spod bench-boot" % t,
                  "bl%sfull bench-boot" % t, "lx%sfull bench-boot" % t]
    for t in types:
        p += ["bl%shot bench-hotadd" % t, "lx%shot bench-hotadd" % t]
    for t in types:
        p += ["bl%s bench-save" % t, "lx%s bench-save" % t]
    return p


def run_rig(args, out):
    rig = os.path.join(TOP, "build", "xen-rig")
    r = subprocess.run([os.path.join(TOP, "tests", "xen", "standin", "make-standin.sh")],
                       env=dict(os.environ, XEN_RIG_DIR=rig))
    if r.returncode:
        sys.exit("bench-xen: make-standin.sh failed")
    sd = os.path.join(rig, "standin")
    plan = os.path.join(out, "xen-plan")
    with open(plan, "w") as f:
        f.write("\n".join(plan_for(args.types)) + "\n")
    env = dict(os.environ, XT_BENCH_REPS=str(args.reps), XT_BENCH_PODMAX=str(args.podmax),
               XT_SCENARIO_TIMEOUT="2400",
               # Linux boots slowly here (a PVH boot at 256/1024 gives back
               # 768 MiB of PoD memory before init); the rig is shared
               XT_BOOT_TIMEOUT=os.environ.get("XT_BOOT_TIMEOUT", "300"))
    argv = [sys.executable, os.path.join(TOP, "tests", "xen", "run.py"), "--no-build",
            "--rig", rig, "--elf", args.elf,
            "--iso", args.iso,
            "--plan", plan, "--cfg-dir", os.path.join(HERE, "cfg"),
            "--scenario-dir", os.path.join(HERE, "scenarios"),
            "--guest-file", os.path.join(sd, "vmlinux"),
            "--guest-file", os.path.join(sd, "standin.cpio.gz"),
            "--mem", str(args.mem), "--timeout", str(args.timeout),
            "--log", os.path.join(out, "xen-run.log"),
            # XEN_BENCH_XEN=xen-shadow: the Xen with shadow paging, where
            # PV guests can be migrated (build-rig.sh)
            "--xen", os.environ.get("XEN_BENCH_XEN", "xen"),
            # XEN_BENCH_DOM0=1024M: room in dom0 for an HVM save file and
            # the restored guest's device model (at 512M, with the stand-in's
            # files in dom0's RAM, the save helper or QEMU was OOM-killed)
            "--dom0-mem", os.environ.get("XEN_BENCH_DOM0", "512M")]
    if args.only:
        argv += ["--only", args.only]
    if "hvm" in args.types and os.path.exists(os.path.join(sd, "standin.iso")):
        argv += ["--guest-file", os.path.join(sd, "standin.iso")]
    print("bench-xen: %s, %d repeats, PoD maxmem %d MiB, rig QEMU -m %d"
          % (",".join(args.types), args.reps, args.podmax, args.mem), flush=True)
    return subprocess.run(argv, env=env).returncode


# ---- parsing ---------------------------------------------------------------
def parse(log):
    timings, samples, guest, results, info = [], [], [], [], {}
    with open(log, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").replace("\x00", "").strip("\r\n ")
            m = re.search(r"BENCH (.*)$", line)
            if m:
                w = m.group(1).split()
                if w[0] == "t" and len(w) >= 9:
                    timings.append(dict(fig=w[1], type=w[2], os=w[3], rep=w[4], step=w[5],
                                        ms=None if w[6] == "-" else int(w[6]),
                                        how=w[7], final=w[8]))
                elif w[0] == "s" and len(w) == 8:
                    samples.append(dict(fig=w[1], type=w[2], os=w[3], rep=w[4], step=w[5],
                                        ms=int(w[6]), mib=int(w[7])))
                elif w[0] == "g" and len(w) >= 6:
                    kv = dict(x.split("=", 1) for x in w[6:] if "=" in x)
                    guest.append(dict(fig=w[1], type=w[2], os=w[3], rep=w[4], step=w[5], **kv))
                continue
            m = re.search(r"RESULT (\S+) (PASS|FAIL|CRASH|SKIP) ?(.*)$", line)
            if m:
                results.append(m.groups())
            m = re.search(r"xt: xl info: (.*)", line)
            if m:
                info["xl"] = m.group(1)
    return timings, samples, guest, results, info


def med(v):
    return statistics.median(v) if v else None


def cell(v):
    if not v:
        return "-"
    m = med(v)
    if len(v) == 1:
        return "%d" % m
    return "%d [%d-%d]" % (m, min(v), max(v))


def ratio(bl, lx):
    if not bl or not lx or med(bl) == 0:
        return "-"
    return "%.2f" % (med(lx) / med(bl))


def tables(timings, guest, types):
    out = []

    def sel(fig, typ, os_, step=None, how=None):
        return [t["ms"] for t in timings if t["fig"] == fig and t["type"] == typ
                and t["os"] == os_ and (step is None or t["step"] == step)
                and t["ms"] is not None and (how is None or t["how"] in how)]

    def hows(fig, typ, os_, step):
        h = sorted({"%s@%s" % (t["how"], t["final"]) for t in timings if t["fig"] == fig
                    and t["type"] == typ and t["os"] == os_ and t["step"] == step
                    and t["how"] != "reached"})
        return (" (" + ", ".join(h) + ")") if h else ""

    out.append("#### `xl mem-set` at memory=256 maxmem=1024: ms from `xl mem-set` to `xl list` showing the target\n")
    out.append("| type | target MiB | ballast ms | Linux ms | Linux/ballast |")
    out.append("| --- | --- | --- | --- | --- |")
    for typ in types:
        for st in STEPS:
            bl, lx = sel("memset", typ, "bl", st, ("reached",)), sel("memset", typ, "lx", st, ("reached",))
            out.append("| %s | %s | %s%s | %s%s | %s |" % (typ, st, cell(bl), hows("memset", typ, "bl", st),
                                                            cell(lx), hows("memset", typ, "lx", st), ratio(bl, lx)))
    out.append("")
    out.append("#### `xl create` to the prompt (ballast) or to init (Linux), ms\n")
    out.append("| type | guest | ballast ms | Linux ms | Linux/ballast |")
    out.append("| --- | --- | --- | --- | --- |")
    for typ in types:
        if typ != "pv":
            for fig, what in (("pod", "PoD: memory=256, maxmem=%s"), ("full", "memory = maxmem = 256")):
                bl, lx = sel(fig, typ, "bl"), sel(fig, typ, "lx")
                fails = [t for t in timings if t["fig"] == fig and t["type"] == typ and t["ms"] is None]
                note = (" (%d failed)" % len(fails)) if fails else ""
                out.append("| %s | %s | %s | %s | %s |%s" % (typ, what % PODMAX if "%s" in what else what,
                                                              cell(bl), cell(lx), ratio(bl, lx), note))
            pd = sel("poddone", typ, "bl")
            if pd:
                out.append("| %s | PoD: ballast's balloon done (guest clock, after the prompt) | %s | (before init) | |"
                           % (typ, cell(pd)))
        blm = sel("min", typ, "bl")
        lxs = sorted({t["step"] for t in timings if t["fig"] == "min" and t["type"] == typ and t["os"] == "lx"})
        lxm = sel("min", typ, "lx")
        bls = sorted({t["step"] for t in timings if t["fig"] == "min" and t["type"] == typ and t["os"] == "bl"})
        out.append("| %s | smallest: ballast %s MiB, Linux %s MiB | %s | %s | %s |"
                   % (typ, "/".join(bls) or "?", "/".join(lxs) or "?", cell(blm), cell(lxm), ratio(blm, lxm)))
        bb, lb = sel("boot", typ, "bl"), sel("boot", typ, "lx")
        if bb or lb:
            out.append("| %s | memory=256 maxmem=1024 (one boot each) | %s | %s | %s |"
                       % (typ, cell(bb), cell(lb), ratio(bb, lb)))
    probes = [t for t in timings if t["fig"] == "probe"]
    if probes:
        out.append("")
        out.append("Linux sizes tried: " + ", ".join("%s %s MiB %s" % (t["type"], t["step"], t["how"])
                                                     for t in probes))
    out.append("")
    out.append("#### Hot-add: boot 256/256, `xl mem-max` + `xl mem-set` %s, then back to 256 (ms)\n" % HOTADD)
    out.append("| type | step | ballast | Linux | Linux/ballast |")
    out.append("| --- | --- | --- | --- | --- |")
    for typ in types:
        for fig, st in (("hotadd", HOTADD), ("hotremove", "256")):
            row = []
            vals = {}
            for os_ in ("bl", "lx"):
                ts = [t for t in timings if t["fig"] == fig and t["type"] == typ and t["os"] == os_]
                grew = {t["rep"] for t in timings if t["fig"] == "hotadd" and t["type"] == typ
                        and t["os"] == os_ and t["how"] == "reached"}
                if fig == "hotremove" and ts and not grew:
                    row.append("n/a (never grew)")
                    vals[os_] = []
                    continue
                if fig == "hotremove":
                    ts = [t for t in ts if t["rep"] in grew]
                ok = [t["ms"] for t in ts if t["how"] == "reached"]
                bad = ["%s at %s MiB" % ("stopped short" if t["how"] == "short" else t["how"], t["final"])
                       for t in ts if t["how"] != "reached"]
                vals[os_] = ok
                if not ts:
                    row.append("not run")
                elif ok and not bad:
                    row.append(cell(ok))
                elif ok:
                    row.append("%s; %s" % (cell(ok), ", ".join(sorted(set(bad)))))
                else:
                    row.append("not reached: " + ", ".join(sorted(set(bad))))
            if ts or row:
                out.append("| %s | %s MiB | %s | %s | %s |" % (typ, st, row[0], row[1],
                                                              ratio(vals["bl"], vals["lx"])))
    out.append("")
    out.append("#### Save, restore, checkpoint, migrate: memory=256 maxmem=1024 ballooned to 200 MiB, "
               "ms from the xl command's start to its exit\n")
    out.append("| type | command | ballast ms | Linux ms | Linux/ballast |")
    out.append("| --- | --- | --- | --- | --- |")
    for typ in types:
        for st, what in SAVE_STEPS:
            row, vals = [], {}
            for os_ in ("bl", "lx"):
                ts = [t for t in timings if t["fig"] == "save" and t["type"] == typ
                      and t["os"] == os_ and t["step"] == st]
                ok = [t["ms"] for t in ts if t["how"] == "ok"]
                bad = sorted({t["how"] for t in ts if t["how"] != "ok"})
                vals[os_] = ok
                c = cell(ok) if ts else "not run"
                if bad:
                    c += " (%s: %d)" % ("/".join(bad), len(ts) - len(ok))
                row.append(c)
            if any(r != "not run" for r in row):
                out.append("| %s | %s | %s | %s | %s |" % (typ, what, row[0], row[1],
                                                          ratio(vals["bl"], vals["lx"])))
    out.append("")
    # ballast's own figures per step: its split of the last target's time
    # (`balloon`: last split/host/own), and deltas of its since-boot totals
    out.append("#### ballast's own counters per step (medians over the repeats)\n")
    out.append("Guest clock from the target event to done (the block removals that follow "
               "going down are not in it); of it, the time inside hypercalls: memory_op "
               "(populate/decrease and the reservation queries) and PV's page-table calls "
               "(mmu_update, mmuext_op, update_va_mapping, multicall: calls/ms), zeroing pages "
               "before they go (scrub), and ballast's own time, the rest (lists, allocator, "
               "adding blocks, P2M and page-table walks); cycles per page = guest time x TSC "
               "rate / pages moved.\n")
    out.append("| type | step | guest ms, target to done | memory_op | mmu_update | mmuext_op | "
               "update_va_mapping | multicall | scrub | own | pages per hypercall | "
               "order-9 share | cycles per page | `xl list` ms |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    kinds = ("memory_op", "mmu_update", "mmuext_op", "update_va_mapping", "multicall")

    def delta(a, b, k):
        return int(b.get(k, 0)) - int(a.get(k, 0))

    def host(b, k):
        c, _, ms = b.get("h_" + k, "0/0").partition("/")
        return int(c), float(ms or 0)

    def rows(fig, steps, label, tfig):
        for typ in types:
            g = [x for x in guest if x["fig"] == fig and x["type"] == typ and x["os"] == "bl"]
            per = {}
            for a, b in zip(g, g[1:]):
                if b["step"] == "boot":
                    continue
                try:
                    dp = (delta(a, b, "up_kib") + delta(a, b, "down_kib")) // 4
                    dc = delta(a, b, "calls")
                    dh = (delta(a, b, "huge_up") + delta(a, b, "huge_down")) * 512
                    done = int(b["done_ms"])
                    cyc = done * int(b.get("tsc_khz", 0)) / dp if dp else 0
                    h = [host(b, k) for k in kinds]
                    per.setdefault(b["step"], []).append(dict(
                        done=done, ppc=dp / dc if dc else 0, huge=dh / dp if dp else 0,
                        cyc=cyc, scrub=float(b.get("l_scrub", 0)),
                        own=float(b.get("l_own", 0)),
                        **{k: h[i] for i, k in enumerate(kinds)}))
                except (KeyError, ValueError):
                    continue
            for st in steps:
                v = per.get(st, [])
                if not v:
                    continue
                dm = med([x["done"] for x in v]) or 0

                def share(k):
                    m = med([x[k] for x in v])
                    return "%d ms (%.0f%%)" % (m, 100.0 * m / dm) if dm else "%d ms" % m

                def hc(k):
                    return "%d / %d ms" % (med([x[k][0] for x in v]), med([x[k][1] for x in v]))
                out.append("| %s | %s | %s | %s | %s | %s | %.0f | %.1f%% | %s | %s |" % (
                    typ, label(st), cell([x["done"] for x in v]),
                    " | ".join(hc(k) for k in kinds), share("scrub"), share("own"),
                    med([x["ppc"] for x in v]), 100 * med([x["huge"] for x in v]),
                    "%.0f" % med([x["cyc"] for x in v]) if med([x["cyc"] for x in v]) else "-",
                    cell(sel(tfig(st), typ, "bl", st, ("reached",)))))

    rows("memset", STEPS, lambda st: "mem-set %s" % st, lambda st: "memset")
    rows("hotadd", [HOTADD, "256"], lambda st: "hot-add %s" % st if st == HOTADD else
         "back to %s" % st, lambda st: "hotadd" if st == HOTADD else "hotremove")
    out.append("")
    return "\n".join(out)


def write_csv(path, timings, samples, guest):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "figure", "type", "os", "rep", "step", "ms", "how_or_mib", "final", "extra"])
        for t in timings:
            w.writerow(["timing", t["fig"], t["type"], t["os"], t["rep"], t["step"],
                        "" if t["ms"] is None else t["ms"], t["how"], t["final"], ""])
        for s in samples:
            w.writerow(["sample", s["fig"], s["type"], s["os"], s["rep"], s["step"], s["ms"],
                        s["mib"], "", ""])
        for g in guest:
            extra = " ".join("%s=%s" % (k, v) for k, v in g.items()
                             if k not in ("fig", "type", "os", "rep", "step"))
            w.writerow(["guest", g["fig"], g["type"], g["os"], g["rep"], g["step"], "", "", "", extra])


def plot(out, samples, types, title):
    if not shutil.which("gnuplot"):
        print("bench-xen: no gnuplot (apt-get install gnuplot-nox): no plot")
        return None
    files = {}
    for typ in types:
        for os_ in ("bl", "lx"):
            ss = [s for s in samples if s["fig"] == "memset" and s["type"] == typ
                  and s["os"] == os_ and s["rep"] == "1"]
            if not ss:
                continue
            # the steps one after the other: each starts where the last ended
            # each step starts from where the last one ended (256 at first)
            off, last_step, end, prev, rows = 0, None, 0, 256, []
            for s in ss:
                if s["step"] != last_step:
                    off, last_step = end, s["step"]
                    rows.append("%.3f %d" % (off / 1000.0, prev))
                prev = s["mib"]
                t = off + s["ms"]
                end = max(end, t)
                rows.append("%.3f %d" % (t / 1000.0, s["mib"]))
            p = os.path.join(out, "xen-trace-%s-%s.dat" % (typ, os_))
            with open(p, "w") as f:
                f.write("\n".join(rows) + "\n")
            files[(typ, os_)] = p
    if not files:
        return None
    png = os.path.join(out, "xen-balloon.png")
    ptypes = [t for t in types if any(k[0] == t for k in files)]
    g = ["set terminal pngcairo size 900,%d font 'sans,10'" % (300 * len(ptypes)),
         "set output '%s'" % png,
         "set multiplot layout %d,1 title \"%s\"" % (len(ptypes), title.replace('"', "'")),
         "set xlabel 'seconds (xl mem-set 1000, 128, 900, 256, one after the other)'",
         "set ylabel 'xl list MiB'", "set grid", "set key right center",
         "set yrange [0:1100]"]
    for typ in ptypes:
        parts = []
        for os_, name, col in (("bl", "ballast", "#1f77b4"), ("lx", "Linux", "#d62728")):
            if (typ, os_) in files:
                parts.append("'%s' using 1:2 with steps lw 2 lc rgb '%s' title '%s %s'"
                             % (files[(typ, os_)], col, name, typ))
        g.append("set title '%s, memory=256 maxmem=1024'" % typ)
        g.append("plot " + ", ".join(parts))
    g.append("unset multiplot")
    r = subprocess.run(["gnuplot"], input="\n".join(g) + "\n", text=True)
    return png if r.returncode == 0 else None


def update_readme(md, png):
    readme = os.path.join(TOP, "docs", "bench-xen.md")
    with open(readme) as f:
        s = f.read()
    begin, end = "<!-- bench-xen begin -->", "<!-- bench-xen end -->"
    if begin not in s or end not in s:
        print("bench-xen: docs/bench-xen.md has no bench-xen markers; not updated")
        return
    md = md.replace("### make bench-xen, ", "Measured ")
    if png:
        os.makedirs(os.path.join(TOP, "docs"), exist_ok=True)
        shutil.copyfile(png, os.path.join(TOP, "docs", "bench-xen-balloon.png"))
        md += "\n![xl list memory during xl mem-set](bench-xen-balloon.png)\n"
    s = s[:s.index(begin) + len(begin)] + "\n" + md.strip() + "\n" + s[s.index(end):]
    with open(readme, "w") as f:
        f.write(s)
    print("bench-xen: docs/bench-xen.md and docs/bench-xen-balloon.png updated")


def main():
    global PODMAX, HOTADD
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--types", default=os.environ.get("XEN_BENCH_TYPES", "pv,pvh"))
    ap.add_argument("--reps", type=int, default=int(os.environ.get("XEN_BENCH_REPS", "3")))
    ap.add_argument("--podmax", type=int, default=int(os.environ.get("XEN_BENCH_PODMAX", "4096")))
    ap.add_argument("--mem", type=int, default=int(os.environ.get("XEN_BENCH_MEM", "2560")),
                    help="the rig's QEMU -m (as make test-xen: room for a 1536 MiB "
                         "guest; 3072 made HVM guests hang)")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("XEN_BENCH_TIMEOUT", "5400")))
    ap.add_argument("--elf", default=os.environ.get("XEN_BENCH_ELF",
                                                    os.path.join(TOP, "build", "ballast.elf")),
                    help="the ballast image (make bench-xen: a DEBUG=0 build)")
    ap.add_argument("--iso", default=os.environ.get("XEN_BENCH_ISO",
                                                    os.path.join(TOP, "build", "ballast.iso")))
    ap.add_argument("--only", default=os.environ.get("XEN_BENCH_ONLY"),
                    help="regex on CFG/SCENARIO of the plan (a partial run)")
    ap.add_argument("--update-readme", action="store_true",
                    default=bool(os.environ.get("XEN_BENCH_README")),
                    help="put the tables into docs/bench-xen.md (between the bench-xen "
                         "markers) and the plot into docs/bench-xen-balloon.png")
    ap.add_argument("--report-only", nargs="?", const="", default=None, metavar="LOG")
    args = ap.parse_args()
    args.types = [t for t in args.types.split(",") if t]
    PODMAX, HOTADD = str(args.podmax), "1536"
    out = os.path.join(TOP, "build", "bench")
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, "xen-run.log")
    if args.report_only is None:
        run_rig(args, out)
    elif args.report_only:
        log = args.report_only
    timings, samples, guest, results, info = parse(log)
    date = datetime.datetime.utcfromtimestamp(os.path.getmtime(log)).strftime("%Y-%m-%d %H:%M UTC")
    rigline = ("Xen 4.17 + Debian 12 dom0 (512 MiB) under QEMU TCG "
               "(-cpu EPYC-v1 -smp 2 -m %d), one guest at a time, %d repeats, ballast %s; %s"
               % (args.mem, args.reps, "DEBUG=0 (no page poisoning)" if "bench" in args.elf else "DEBUG=1", info.get("xl", "").strip()))
    text = tables(timings, guest, args.types)
    head = "### make bench-xen, %s\n\nrig: %s\n\n" % (date, rigline)
    with open(os.path.join(out, "xen.md"), "w") as f:
        f.write(head + text)
    print(head + text)
    write_csv(os.path.join(out, "xen.csv"), timings, samples, guest)
    png = plot(out, samples, args.types, "xl list memory during xl mem-set, %s" % date)
    print("bench-xen: %s, %s%s" % (os.path.join(out, "xen.csv"), os.path.join(out, "xen.md"),
                                   ", " + png if png else ""))
    if args.update_readme:
        update_readme(head + text, png)
    passed = sum(1 for r in results if r[1] == "PASS")
    failed = sum(1 for r in results if r[1] in ("FAIL", "CRASH"))
    for r in results:
        if r[1] != "PASS":
            print("  %s %s %s" % r)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and passed else 1)


PODMAX = HOTADD = ""
if __name__ == "__main__":
    main()
