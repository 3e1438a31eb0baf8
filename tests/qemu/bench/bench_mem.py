"""The virtio-mem figure of make bench-qemu (bench_qemu.py --figures mem).

One boot of each OS per repeat, the balloon figure's command line with
maxmem and a 4 GiB virtio-mem device instead of the balloon:
    -m 1024M,maxmem=5120M -object memory-backend-ram,id=vmem0,size=4G
    -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
Linux gets memhp_default_state=online_movable (Debian's 6.1 leaves hot-added
blocks offline otherwise, and plugging stalls at 1 GiB added but offline).
Once the driver has set DRIVER_OK: QMP `qom-set vm0 requested-size` 1 GiB,
0, 3 GiB, 0, one after the other; for each the ms from the qom-set to the
first `query-memory-devices` whose size is the requested size (polled with a
10 ms sleep between polls). Untimed, after each step, the guest's view
(ballast `free` and `virtio-mem`, Linux /proc/meminfo and its memory
blocks online).
"""
import re
import time

MiB = 1 << 20
GiB = 1 << 30
MEM_MIB = 1024
REGION = 4 * GiB
STEPS = [1024, 0, 3072, 0]          # requested-size, MiB, in this order
DEVICE = ["-object", "memory-backend-ram,id=vmem0,size=%dM" % (REGION // MiB),
          "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0"]
MAXMEM = "%dM,maxmem=%dM" % (MEM_MIB, MEM_MIB + REGION // MiB)
LINUX_APPEND = "memhp_default_state=online_movable"
VM_PATH = "/machine/peripheral/vm0"
POLL_S = 0.010


def vmem_dev(qmp):
    for d in qmp.execute("query-memory-devices"):
        if d.get("type") == "virtio-mem" and d["data"].get("id") == "vm0":
            return d["data"]
    raise RuntimeError("query-memory-devices has no virtio-mem vm0")


def request(qmp, size):
    qmp.execute("qom-set", {"path": VM_PATH, "property": "requested-size", "value": size})


def run_step(g, mib, timeout, stall):
    """requested-size to mib; ms to the first query-memory-devices showing
    size == requested (None if it stopped short: no change for stall s, or
    timeout s in all), the samples (ms, size MiB) and the last size."""
    want = mib * MiB
    samples, changed = [], 0.0
    t0 = time.monotonic()
    request(g.qmp, want)
    reached = None
    while True:
        size = vmem_dev(g.qmp)["size"]
        t = (time.monotonic() - t0) * 1000.0
        if samples and size / MiB != samples[-1][1]:
            changed = t
        samples.append((t, size / MiB))
        if size == want:
            reached = t
            break
        if t > timeout * 1000 or t - changed > stall * 1000:
            break
        time.sleep(POLL_S)
    return reached, samples, size / MiB


def guest_view(g):
    """Total memory the guest counts (KiB) and its raw report."""
    if g.os == "bl":
        free = g.cmd("free")
        m = re.search(r"^Mem:\s+(\d+)", free, re.M)
        raw = g.cmd("virtio-mem")
        return (int(m.group(1)) if m else None), free + raw
    mem = g.cmd("mem")
    m = re.search(r"^MemTotal:\s+(\d+)", mem, re.M)
    return (int(m.group(1)) if m else None), mem + g.cmd("vmem")


# ballast's `virtio-mem` (drivers/virtio/cmd_virtio_mem.c), since boot:
#   time:        N ms in the driver, M ms waiting for the device
# (the driver's time excludes the waits); per step: the change from the
# view before it
OWN_RX = r"^time:\s+(\d+) ms in the driver, (\d+) ms waiting for the device"


def own_counters(raw):
    m = re.search(OWN_RX, raw, re.M)
    return {"driver_ms": int(m.group(1)), "wait_ms": int(m.group(2))} if m else {}


def one_boot(os_, rep, args, run_dir, bench):
    """One boot, the four steps; the record as bench_qemu.py keeps it."""
    name = "%s-mem-%d" % (os_, rep)
    rec = {"os": os_, "rep": rep, "kind": "mem", "steps": [], "error": None}
    try:
        g, rec["boot_ms"] = bench.boot(os_, args, run_dir, name, mem_mib=MAXMEM, device=DEVICE,
                                       backend=VM_PATH, append=LINUX_APPEND)
    except (bench.BenchError, bench.qmplib.QMPError) as e:
        rec["error"] = str(e)
        return rec
    try:
        rec["driver_ok"] = bench.driver_ok(g, VM_PATH)
        rec["features"] = bench.features(g, VM_PATH)
        d = vmem_dev(g.qmp)
        rec["block_size"] = d.get("block-size")
        kib, raw = guest_view(g)
        rec["before"] = {"total_kib": kib, "raw": raw}
        prev = 0
        for mib in STEPS:
            ms, samples, final = run_step(g, mib, args.step_timeout, args.stall)
            step = {"mib": mib, "from": prev, "ms": ms, "final": final, "samples": samples}
            rec["steps"].append(step)
            print("bench-qemu: %s rep %d: virtio-mem %d -> %d MiB: %s" % (
                bench.OSES[os_], rep, prev, mib, "%.0f ms" % ms if ms is not None
                else "stopped short at %g MiB after %.0f ms" % (final, samples[-1][0])), flush=True)
            step["total_kib"], step["raw"] = guest_view(g)
            prev = mib     # the step is named by what was asked, reached or not
    except (bench.BenchError, bench.qmplib.QMPError, RuntimeError) as e:
        rec["error"] = str(e)
    finally:
        g.stop()
    return rec


def step_name(s):
    return "%s %d MiB" % ("plug" if s["mib"] > s["from"] else "unplug", max(s["mib"], s["from"]))


def table(recs, med, cell, ratio):
    out = ["#### virtio-mem on a 1024 MiB guest (4 GiB device, 2 MiB blocks): ms from "
           "`qom-set vm0 requested-size` to `query-memory-devices` showing the size\n"]
    out.append("Steps one after the other: 0 -> 1 GiB -> 0 -> 3 GiB -> 0; Linux with "
               "memhp_default_state=online_movable; query-memory-devices polled with a "
               "%.0f ms sleep between polls; median [min-max] of fresh boots.\n" % (POLL_S * 1000))
    out.append("| step | ballast ms | Linux ms | Linux/ballast | ballast MemTotal after, MiB "
               "| Linux MemTotal after, MiB |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    keys = []
    for r in recs:
        for i, s in enumerate(r["steps"]):
            k = (i, step_name(s))
            if k not in keys:
                keys.append(k)
    keys.sort()

    def sel(os_, i, key):
        return [r["steps"][i][key] for r in recs if r["os"] == os_ and len(r["steps"]) > i
                and r["steps"][i]["ms"] is not None and r["steps"][i].get(key) is not None]

    def short(os_, i):
        v = ["%g" % r["steps"][i]["final"] for r in recs if r["os"] == os_
             and len(r["steps"]) > i and r["steps"][i]["ms"] is None]
        return (" (not reached: %s MiB)" % ", ".join(v)) if v else ""

    for i, nm in keys:
        bl, lx = sel("bl", i, "ms"), sel("lx", i, "ms")
        tb = [v / 1024 for v in sel("bl", i, "total_kib")]
        tl = [v / 1024 for v in sel("lx", i, "total_kib")]
        out.append("| %s | %s%s | %s%s | %s | %s | %s |" % (
            nm, cell(bl), short("bl", i), cell(lx), short("lx", i), ratio(bl, lx),
            "%.1f" % med(tb) if tb else "-", "%.1f" % med(tl) if tl else "-"))
    for os_, label in (("bl", "ballast"), ("lx", "Linux")):
        boots = [r["boot_ms"] for r in recs if r["os"] == os_ and r.get("boot_ms")]
        if boots:
            feats = sorted({f for r in recs if r["os"] == os_ for f in r.get("features", [])})
            before = [r["before"]["total_kib"] / 1024 for r in recs if r["os"] == os_
                      and r.get("before") and r["before"]["total_kib"]]
            out.append("\n%s: boot to prompt %s ms; MemTotal at boot %s MiB; negotiated %s" % (
                label, cell(boots), "%.1f" % med(before) if before else "-",
                ", ".join(feats) or "?"))
    own = own_table(recs, med)
    if own:
        out.append("")
        out += own
    return "\n".join(out)


def own_table(recs, med):
    """ballast's own time per step against its time waiting for the device,
    from its `virtio-mem` before and after each step."""
    per, last_raw = {}, None
    for r in recs:
        if r["os"] != "bl" or not r.get("before"):
            continue
        prev = own_counters(r["before"]["raw"])
        for i, s in enumerate(r["steps"]):
            if not s.get("raw"):
                continue
            last_raw = s["raw"]
            c = own_counters(s["raw"])
            if c and prev:
                per.setdefault((i, step_name(s)), []).append(
                    {k: c[k] - prev[k] for k in c})
            prev = c
    out = []
    if per:
        out.append("#### ballast's own time per step (its `virtio-mem` before and after; "
                   "medians)\n")
        out.append("The driver's clock: its own work (requests built, blocks added, onlined, "
                   "offlined, removed) and, apart, its waits for the device's answers.\n")
        out.append("| step | host ms | driver ms | waiting for the device ms | own share |")
        out.append("| --- | --- | --- | --- | --- |")
        for (i, nm) in sorted(per):
            v = per[(i, nm)]
            host = [r["steps"][i]["ms"] for r in recs if r["os"] == "bl" and len(r["steps"]) > i
                    and r["steps"][i]["ms"] is not None]
            drv = [d["driver_ms"] for d in v]
            wt = [d["wait_ms"] for d in v]
            share = [d["driver_ms"] / float(d["driver_ms"] + d["wait_ms"]) for d in v
                     if d["driver_ms"] + d["wait_ms"]]
            out.append("| %s | %s | %.0f | %.0f | %s |" % (
                nm, "%.0f" % med(host) if host else "-", med(drv), med(wt),
                "%.0f%%" % (100 * med(share)) if share else "-"))
    if last_raw:
        out.append("\nballast's `free` and `virtio-mem` after the last step of the last repeat:\n")
        out.append("```\n" + last_raw.strip() + "\n```")
    return out


def csv_rows(recs):
    rows = []
    for r in recs:
        if r.get("boot_ms"):
            rows.append(["mem-boot", r["os"], r["rep"], "", "%.1f" % r["boot_ms"], "", "", ""])
        if r.get("error"):
            rows.append(["mem-error", r["os"], r["rep"], "", "", "", "", r["error"].splitlines()[0]])
        for s in r["steps"]:
            rows.append(["mem-step", r["os"], r["rep"], s["mib"],
                         "" if s["ms"] is None else "%.1f" % s["ms"], s["from"],
                         "%g" % s["final"], s.get("total_kib") or ""])
            for t, a in s["samples"]:
                rows.append(["mem-sample", r["os"], r["rep"], s["mib"], "%.1f" % t, s["from"],
                             "%g" % a, ""])
    return rows
