#!/usr/bin/env python3
"""Runs every test case of cases.py in the Linux kernel with bpftool (BPF_PROG_TEST_RUN) and
writes testprogs/expected/<object>.txt in the format testprogs/README.md describes.

Needs root, bpftool, taskset, and a kernel with bpf(); mounts a private bpffs under /tmp and
removes every pin and the mount before it exits. Each case loads its object afresh (fresh maps),
applies the case's map updates, runs its runs in order on CPU 0, then dumps every map.

Usage: testprogs/record-expected.sh [--out DIR] [OBJECT...]   (default: every object of cases.py,
written to testprogs/expected/)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cases  # noqa: E402

# Map types whose contents a dump cannot give deterministically, and why.
SKIPPED = {
    "prog_array": "holds program ids, which differ per load",
    "array_of_maps": "holds map ids, which differ per load; its inner maps are dumped by name",
    "hash_of_maps": "holds map ids, which differ per load; its inner maps are dumped by name",
    "ringbuf": "has no keys; the programs record bpf_ringbuf_query results instead",
    "perf_event_array": "holds perf event fds; none is installed here",
    "bloom_filter": "has no keys; the programs record their bpf_map_peek_elem results instead",
}
POPPED = ("queue", "stack")
# Hash maps created with BPF_F_ZERO_SEED iterate in an order that does not depend on a random
# seed; their expected files record it ("map NAME order KEY ...").
BPF_F_ZERO_SEED = 1 << 6
ZERO_SEED_ORDERED = ("hash", "percpu_hash", "lru_hash", "lru_percpu_hash")
DATA_SIZE_OUT = 8192
CTX_SIZE_OUT = 1024


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s %s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout


def errno_name(message):
    """'failed to run program: Invalid argument' -> 'EINVAL' (the test run refused the input)."""
    import errno
    text = message.rsplit(": ", 1)[-1]
    for code, name in errno.errorcode.items():
        if os.strerror(code) == text:
            return name
    raise RuntimeError("unknown error " + message)


def bpftool_json(*args):
    return json.loads(run(["taskset", "-c", "0", "bpftool", "-j"] + list(args)))


def hexs(b):
    return bytes(b).hex() if b else "-"


def bytes_of(field):
    return bytes(int(x, 16) for x in field)


def dump_map(path, name):
    info = bpftool_json("map", "show", "pinned", path)
    mtype = info["type"]
    lines = ["map %s type %s" % (name, mtype)]
    if mtype in SKIPPED:
        return lines + ["map %s skipped %s" % (name, SKIPPED[mtype])]
    if mtype in POPPED:
        while True:
            p = subprocess.run(["bpftool", "-j", "map", "pop", "pinned", path], capture_output=True, text=True)
            if p.returncode != 0:
                break
            out = json.loads(p.stdout)
            lines.append("map %s pop %s" % (name, hexs(bytes_of(out["value"]))))
        return lines
    entries = bpftool_json("map", "dump", "pinned", path)
    if mtype in ZERO_SEED_ORDERED and info.get("flags", 0) & BPF_F_ZERO_SEED:
        # The kernel's iteration order does not depend on a random seed: record it.
        lines.append("map %s order %s" % (name, " ".join(hexs(bytes_of(e["key"])) for e in entries) or "-"))
    rows = []
    array = mtype in ("array", "percpu_array")
    for e in entries:
        key = bytes_of(e["key"])
        if isinstance(e.get("value"), dict) and "error" in e["value"]:
            continue  # an empty slot of a devmap: the lookup says ENOENT
        if "values" in e:  # per-CPU
            per = {v["cpu"]: bytes_of(v["value"]) for v in e["values"]}
            nonzero = {c: v for c, v in per.items() if c != 0 and any(v)}
            if nonzero:
                raise RuntimeError("%s: per-CPU value on a CPU other than 0: %s" % (name, nonzero))
            if array and not any(per[0]):
                continue
            rows.append((key, "map %s key %s cpu0 %s" % (name, hexs(key), hexs(per[0]))))
        else:
            if array and not any(bytes_of(e["value"])):
                continue
            rows.append((key, "map %s key %s value %s" % (name, hexs(key), hexs(bytes_of(e["value"])))))
    rows.sort(key=lambda r: r[0])
    return lines + [r[1] for r in rows]


def section_names(path):
    """The section names of an ELF64 little-endian file."""
    import struct
    with open(path, "rb") as f:
        d = f.read()
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", d, 0x3C)
    hdr = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + 64 * i) for i in range(shnum)]
    stroff = hdr[shstrndx][4]
    return [d[stroff + h[0]:d.index(b"\0", stroff + h[0])].decode() for h in hdr]


def global_data_pins(obj):
    """Pin name -> ELF section name of each global data map, as libbpf 1.x names and pins them:
    up to 8 characters of the object's name (cut at its first '.') then the section name, unless
    the section name has a second '.'; the pin name has '.' replaced by '_'."""
    objname = os.path.basename(obj).split(".")[0]
    out = {}
    for sec in section_names(obj):
        if not (sec in (".data", ".bss", ".rodata", ".kconfig") or sec.startswith((".data.", ".rodata."))):
            continue
        sfx = max(7, len(sec))
        pfx = 0 if "." in sec[1:] else min(16 - sfx - 1, len(objname))
        name = (objname[:pfx] + sec[:sfx])[:15]
        out["".join(c if c.isalnum() or c == "_" else "_" for c in name)] = sec
    return out


def record_case(obj, case, fs):
    progs, maps = os.path.join(fs, "p"), os.path.join(fs, "m")
    data_pins = global_data_pins(obj)

    def map_name(pin):
        return data_pins.get(pin, pin)

    def pin_of(name):
        for pin in os.listdir(maps):
            if map_name(pin) == name:
                return pin
        raise RuntimeError("no map %s among %s" % (name, os.listdir(maps)))

    run(["bpftool", "prog", "loadall", obj, progs, "pinmaps", maps])
    try:
        out = ["case " + case.name]
        if case.note:
            out.append("note " + case.note)
        out.append("program " + case.program)
        for (m, k, v) in case.updates:
            run(["bpftool", "map", "update", "pinned", os.path.join(maps, pin_of(m)), "key", "hex"]
                + ["%02x" % b for b in k] + ["value", "hex"] + ["%02x" % b for b in v])
            out.append("update %s key %s value %s" % (m, hexs(k), hexs(v)))
        for r in case.runs:
            with tempfile.TemporaryDirectory() as td:
                din, dout = os.path.join(td, "in"), os.path.join(td, "out")
                with open(din, "wb") as f:
                    f.write(r.data)
                args = ["prog", "run", "pinned", os.path.join(progs, case.program), "data_in", din,
                        "data_out", dout, "data_size_out", str(DATA_SIZE_OUT)]
                if r.ctx is not None:
                    cin, cout = os.path.join(td, "cin"), os.path.join(td, "cout")
                    with open(cin, "wb") as f:
                        f.write(r.ctx)
                    args += ["ctx_in", cin, "ctx_out", cout, "ctx_size_out", str(CTX_SIZE_OUT)]
                p = subprocess.run(["taskset", "-c", "0", "bpftool", "-j"] + args + ["repeat", "1"],
                                   capture_output=True, text=True)
                out.append("run")
                out.append("data_in " + hexs(r.data))
                if r.ctx is not None:
                    out.append("ctx_in " + hexs(r.ctx))
                if p.returncode != 0:
                    out.append("error " + errno_name(json.loads(p.stdout)["error"]))
                    continue
                res = json.loads(p.stdout)
                out.append("retval %d" % (res["retval"] & 0xFFFFFFFF))
                with open(dout, "rb") as f:
                    out.append("data_out " + hexs(f.read()))
                if r.ctx is not None:
                    with open(cout, "rb") as f:
                        out.append("ctx_out " + hexs(f.read()))
        for pin in sorted(os.listdir(maps)):
            out.extend(dump_map(os.path.join(maps, pin), map_name(pin)))
        out.append("end")
        return out
    finally:
        shutil.rmtree(progs, ignore_errors=True)
        shutil.rmtree(maps, ignore_errors=True)


def main(argv):
    args = argv[1:]
    out_dir = os.path.join(ROOT, "expected")
    if args[:1] == ["--out"]:
        out_dir, args = args[1], args[2:]
    wanted = args or list(cases.CASES)
    fs = tempfile.mkdtemp(prefix="bpf4j-record-")
    run(["mount", "-t", "bpf", "bpf", fs])
    try:
        kernel = os.uname().release
        for objname in wanted:
            obj = os.path.join(ROOT, objname)
            lines = ["# Expected results of %s, recorded from Linux %s with bpftool prog run (BPF_PROG_TEST_RUN)"
                     % (objname, kernel),
                     "# by testprogs/record-expected.sh; the format is in testprogs/README.md. Do not edit.",
                     "object " + objname, ""]
            for case in cases.CASES[objname]:
                lines.extend(record_case(obj, case, fs))
                lines.append("")
            name = os.path.basename(objname)[:-2] + ".txt"
            if "/" in objname and not objname.startswith("../"):
                name = objname.replace("/", "_")[:-2] + ".txt"
            with open(os.path.join(out_dir, name), "w") as f:
                f.write("\n".join(lines))
            print("recorded %s: %d cases" % (name, len(cases.CASES[objname])))
    finally:
        for d in ("p", "m"):
            shutil.rmtree(os.path.join(fs, d), ignore_errors=True)
        subprocess.run(["umount", fs])
        os.rmdir(fs)


if __name__ == "__main__":
    main(sys.argv)
