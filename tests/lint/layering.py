#!/usr/bin/env python3
"""The layering rules (docs/layout.md), checked on every `make check`.

1. Generic code (mm/, kernel/, drivers/balloon/, drivers/pci/,
   drivers/virtio/) includes no arch header
   (<asm/...>) and nothing Xen (<xen/...>, <ballast/xen/...>).
2. arch/ names no driver: no arch object refers to a symbol that a
   drivers/ object defines (read from the kernel objects with nm).
3. No function or variable is declared in a .c file when another .c file
   defines it: such a declaration belongs in the defining file's header.
4. The balloon core (drivers/balloon/) is a stack: a file calls functions
   of the files BALLOON_CALLS lets it call and no other (nothing above
   it), and only backend.c calls the backend's functions (be->...()).

Usage: layering.py [KERNEL_OBJ_DIR]   (default build/k; rule 2 is skipped
when no objects are there). Exit 1 with one line per violation.
"""
import os
import re
import subprocess
import sys

GENERIC = ("mm/", "kernel/", "drivers/balloon/", "drivers/pci/", "drivers/virtio/")
FORBIDDEN = re.compile(r'#\s*include\s*[<"]\s*(asm/|xen/|ballast/xen/|\.\./)')
SRC_DIRS = ("arch", "kernel", "mm", "drivers", "tests/unit", "tests/bench")


def c_files():
    for top in SRC_DIRS:
        for dp, _, names in os.walk(top):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    yield os.path.join(dp, n)


def check_includes(files):
    bad = []
    for f in files:
        if not f.startswith(GENERIC):
            continue
        for i, line in enumerate(open(f, encoding="utf-8"), 1):
            if FORBIDDEN.search(line):
                bad.append(f"{f}:{i}: generic code includes '{line.strip()}'")
    return bad


def top_statements(path):
    """Top-level statements (column 0 up to ';' or '{'), comments removed."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    stmts, cur, depth, line_no = [], "", 0, 1
    for line in text.split("\n"):
        if depth == 0 and not cur and (not line or line[0] in " \t#}"):
            line_no += 1
            continue
        if depth == 0:
            if not cur:
                start = line_no
            cur += " " + line.strip()
            if cur.rstrip().endswith(";") or "{" in line:
                stmts.append((start, cur.strip()))
                cur = ""
        depth += line.count("{") - line.count("}")
        line_no += 1
    return stmts


IDENT = r"([A-Za-z_]\w*)"


def declared_and_defined(path):
    decls, defs = [], set()
    for ln, s in top_statements(path):
        if s.startswith(("static", "typedef", "struct", "enum", "union")) and "(" not in s.split("{")[0]:
            if not s.startswith("struct") or s.endswith("{"):
                continue
        if s.startswith(("static", "typedef")):
            continue
        head = s.split("{")[0]
        m = re.search(IDENT + r"\s*\((?!\s*\*)", head)
        fptr = re.search(r"\(\s*\*\s*" + IDENT + r"\s*\)", head)
        if s.startswith("extern"):
            for name in re.findall(IDENT + r"\s*(?:\[[^\]]*\])?\s*(?:__attribute__\(\(.*?\)\))?\s*[,;]", head):
                decls.append((ln, name))
        elif "{" in s and m and not head.rstrip().endswith("="):
            defs.add(m.group(1))
        elif s.endswith(";") and m and not fptr and "=" not in head.split("(")[0]:
            decls.append((ln, m.group(1)))
        else:
            v = fptr.group(1) if fptr else None
            if not v:
                mm = re.search(IDENT + r"\s*(?:\[[^\]]*\])*\s*(?:=|;)", head)
                v = mm.group(1) if mm else None
            if v:
                defs.add(v)
    return decls, defs


def check_decls(files):
    info = {f: declared_and_defined(f) for f in files if f.endswith(".c")}
    where = {}
    for f, (_, defs) in info.items():
        for d in defs:
            where.setdefault(d, []).append(f)
    bad = []
    for f, (decls, _) in info.items():
        for ln, name in decls:
            others = [o for o in where.get(name, []) if o != f]
            if others:
                bad.append(f"{f}:{ln}: declares {name}, defined in {others[0]}: "
                           "put the declaration in that file's header")
    return bad


# drivers/balloon/: which file may call functions defined in which (the
# layers of drivers/balloon/internal.h, top to bottom).
BALLOON_CALLS = {
    "cmd_balloon.c": {"balloon.c", "stats.c"},  # the public API only
    "sched.c": {"balloon.c"},
    "balloon.c": {"stats.c", "settle.c", "down.c", "up.c", "adopt.c",
                  "hotplug.c", "backend.c", "list.c"},
    "stats.c": {"backend.c", "list.c"},
    "settle.c": {"down.c", "up.c", "hotplug.c", "backend.c", "list.c"},
    "down.c": {"hotplug.c", "backend.c", "list.c"},
    "up.c": {"hotplug.c", "backend.c", "list.c"},
    "adopt.c": {"hotplug.c", "backend.c", "list.c"},
    "hotplug.c": {"backend.c", "list.c"},
    "backend.c": set(),
    "list.c": set(),
}
BALLOON_DIR = "drivers/balloon/"
# The backend's function pointers; `show` is the balloon command's to call.
BACKEND_CALL = re.compile(r"\bbe->(populate|decrease|max_pages|current_pages|hotplug_base)\s*\(")


def code_only(path):
    """The file's text without comments and string literals."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def functions_defined(text):
    """(name, static) of each function defined at the top level."""
    out = []
    for m in re.finditer(r"^([A-Za-z_][^;{}()]*?)\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{",
                         text, flags=re.M):
        out.append((m.group(2), re.match(r"\s*static\b", m.group(1)) is not None))
    return out


def check_balloon_layers(files):
    srcs = sorted(f for f in files if f.startswith(BALLOON_DIR) and f.endswith(".c"))
    texts = {f: code_only(f) for f in srcs}
    owner, local = {}, {}
    for f, t in texts.items():
        local[f] = set()
        for name, static in functions_defined(t):
            if static:
                local[f].add(name)
            else:
                owner[name] = os.path.basename(f)
    bad = []
    for f, t in texts.items():
        me = os.path.basename(f)
        if me not in BALLOON_CALLS:
            bad.append(f"{f}: not in BALLOON_CALLS: say which files it may call")
            continue
        for i, line in enumerate(t.split("\n"), 1):
            if me != "backend.c" and BACKEND_CALL.search(line):
                bad.append(f"{f}:{i}: calls the backend: only backend.c does")
            for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", line):
                name = m.group(1)
                there = owner.get(name)
                if not there or there == me or name in local[f]:
                    continue
                if there not in BALLOON_CALLS[me]:
                    bad.append(f"{f}:{i}: calls {name} of {there}: "
                               f"{me} may call only {', '.join(sorted(BALLOON_CALLS[me])) or 'nothing'} of drivers/balloon")
    return bad


def live(objdir, obj):
    """An object whose source still exists (renamed files leave stale ones)."""
    src = os.path.relpath(obj, objdir)[:-2]
    return os.path.exists(src)


def nm_symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True).stdout
    undef, defined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undef.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRtdbr" and parts[1].isupper():
            defined.add(parts[2])
    return undef, defined


def check_arch_names_no_driver(objdir):
    if not os.path.isdir(os.path.join(objdir, "arch")):
        return [], False
    driver_syms = {}
    for dp, _, names in os.walk(os.path.join(objdir, "drivers")):
        for n in names:
            if n.endswith(".o") and live(objdir, os.path.join(dp, n)):
                for s in nm_symbols(os.path.join(dp, n))[1]:
                    driver_syms[s] = os.path.join(dp, n)
    bad = []
    for dp, _, names in os.walk(os.path.join(objdir, "arch")):
        for n in sorted(names):
            obj = os.path.join(dp, n)
            if n.endswith(".o") and live(objdir, obj):
                for s in sorted(nm_symbols(obj)[0]):
                    if s in driver_syms:
                        bad.append(f"{obj}: arch code calls {s} from {driver_syms[s]}")
    return bad, True


def main():
    objdir = sys.argv[1] if len(sys.argv) > 1 else "build/k"
    files = list(c_files())
    bad = check_includes(files) + check_decls(files) + check_balloon_layers(files)
    more, ran = check_arch_names_no_driver(objdir)
    bad += more
    for b in bad:
        print("layering:", b)
    rules = 4 if ran else 3
    if bad:
        print(f"layering: {len(bad)} violation(s)")
        return 1
    print(f"layering: {len(files)} files, {rules} rules: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
