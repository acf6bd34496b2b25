#!/usr/bin/env python3
"""rustc as the oracle for rustc-shim's routing.

A seeded generator composes random rustc flag sets from every spelling and
value of -C instrument-coverage and -C profile-generate, unrelated -C and
--cfg flags, and argfile placements (the tail of the flags moved into an
@file, sometimes with CRLF line ends). Each set compiles a tiny crate with
--emit=obj through the built shim and the real rustc. rustc decides: the
object is instrumented iff it has an __llvm_prf_*, __llvm_cov* or
__llvm_profile* section. The shim must have routed direct exactly then. Flag
sets that rustc rejects are counted and skipped.

  oracle.py SHIM [--cases N] [--seed S] [--jobs J]

The forward route goes to a stand-in sccache that notes the call and runs the
compile, so both routes produce an object to look at.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

# #[inline(never)]: from opt-level 1 on, rustc leaves small public functions
# to be inlined where they are used, and codegens nothing for them here.
SOURCE = """
#[inline(never)]
pub fn classify(x: i32) -> &'static str {
    if x < 0 { "negative" } else if x == 0 { "zero" } else { "positive" }
}
"""

ON_VALUES = ["", "=y", "=yes", "=on", "=true", "=all"]
OFF_VALUES = ["=n", "=no", "=off", "=false", "=0"]
REJECTED_VALUES = ["=except-unused-generics", "=bogus", "="]
KEYS = ["instrument-coverage", "instrument_coverage"]

UNRELATED = [
    ["-C", "opt-level=1"], ["-Copt-level=0"], ["--codegen", "debuginfo=1"],
    ["-Cdebuginfo=0"], ["-C", "codegen-units=1"], ["-Coverflow-checks=on"],
    ["-C", "debug-assertions=yes"], ["--cfg", "foo"], ['--cfg=feature="x"'],
    ["--cfg", "instrument_coverage"], ["--cfg=coverage"], ["-C", "embed-bitcode=no"],
    ["-g"], ["--cap-lints", "allow"], ["-C", "metadata=0123abcd"], ["-Cstrip=none"],
]


def spell(rng, key_value):
    """One -C key[=value] in a random one of rustc's spellings."""
    form = rng.randrange(5)
    if form == 0:
        return ["-C", key_value]
    if form == 1:
        return ["-C" + key_value]
    if form == 2:
        return ["--codegen", key_value]
    if form == 3:
        return ["--codegen=" + key_value]
    return ["-gC" + key_value]  # a cluster: -g takes no value, so C's follows


def coverage_flag(rng):
    value = rng.choice(ON_VALUES * 3 + OFF_VALUES * 3 + REJECTED_VALUES)
    return spell(rng, rng.choice(KEYS) + value)


def profile_flag(rng, workdir):
    value = rng.choice(["", "=" + os.path.join(workdir, "pgo"), "=no"])
    return spell(rng, rng.choice(["profile-generate", "profile_generate"]) + value)


def make_case(rng, workdir):
    flags = []
    for _ in range(rng.randrange(0, 4)):
        flags.append(coverage_flag(rng))
    if rng.random() < 0.2:
        flags.append(profile_flag(rng, workdir))
    for _ in range(rng.randrange(0, 4)):
        flags.append(list(rng.choice(UNRELATED)))
    rng.shuffle(flags)
    args = [a for flag in flags for a in flag]
    argfile = None
    if args and rng.random() < 0.4:
        cut = rng.randrange(len(args) + 1)
        args, tail = args[:cut], args[cut:]
        eol = "\r\n" if rng.random() < 0.3 else "\n"
        argfile = (tail, eol)
    return args, argfile


def sections(path):
    """Section names of an ELF64 little-endian object."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{path}: not ELF64")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def header(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    strtab = header(shstrndx)
    names = []
    for i in range(shnum):
        name_off = header(i)[0]
        start = strtab[4] + name_off
        names.append(data[start:data.index(b"\0", start)].decode())
    return names


PREFIXES = ("__llvm_prf_", "__llvm_cov", "__llvm_profile")


def instrumented(path):
    """An instrumentation section, named plainly (__llvm_prf_cnts) or under a
    data section (.rodata.__llvm_profile_raw_version: what PGO leaves in an
    object that holds no function of its own)."""
    return any(part.startswith(PREFIXES) for n in sections(path) for part in n.split("."))


def run_case(index, seed, shim, rustc, root):
    rng = random.Random(f"{seed}-{index}")
    workdir = os.path.join(root, f"case{index}")
    os.makedirs(workdir)
    args, argfile = make_case(rng, workdir)
    src = os.path.join(workdir, "lib.rs")
    with open(src, "w") as f:
        f.write(SOURCE)
    obj = os.path.join(workdir, "lib.o")
    command = [shim, rustc, "--crate-name", "oracle", "--crate-type", "lib", "--edition=2021",
               "--emit=obj", "-o", obj, src] + args
    if argfile:
        tail, eol = argfile
        path = os.path.join(workdir, "args")
        with open(path, "w", newline="") as f:
            f.write("".join(a + eol for a in tail))
        command.append("@" + path)
        shown = args + ["@{" + " ".join(tail) + "}" + ("(CRLF)" if eol == "\r\n" else "")]
    else:
        shown = args
    mark = os.path.join(workdir, "sccache-called")
    env = dict(os.environ, SHIM_SCCACHE=os.path.join(root, "sccache"), ORACLE_MARK=mark,
               SHIM_MODE="auto")
    env.pop("SHIM_BYPASS", None)
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True)
    cached = os.path.exists(mark)
    if result.returncode != 0:
        return ("rejected", shown, result.stderr.decode(errors="replace").strip().splitlines()[:1])
    direct = not cached
    truth = instrumented(obj)
    shutil.rmtree(workdir, ignore_errors=True)
    if direct != truth:
        return ("disagree", shown, f"shim routed {'direct' if direct else 'cache'}, "
                                   f"object {'is' if truth else 'is not'} instrumented")
    return ("instrumented" if truth else "plain", shown, None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shim")
    parser.add_argument("--cases", type=int, default=int(os.environ.get("ORACLE_CASES", 300)))
    parser.add_argument("--seed", default=os.environ.get("ORACLE_SEED"))
    parser.add_argument("--jobs", type=int, default=2)
    opts = parser.parse_args()
    seed = opts.seed or str(random.SystemRandom().randrange(1 << 32))
    print(f"oracle: seed {seed} (ORACLE_SEED={seed} repeats this run), {opts.cases} cases", flush=True)

    home = os.path.expanduser("~/.cargo/bin")
    os.environ["PATH"] = home + os.pathsep + os.environ.get("PATH", "")
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True,
                             check=True).stdout.strip()
    rustc = os.path.join(sysroot, "bin", "rustc")
    shim = os.path.abspath(opts.shim)
    root = tempfile.mkdtemp(prefix="rustc-shim-oracle.")
    stand_in = os.path.join(root, "sccache")
    with open(stand_in, "w") as f:
        f.write('#!/bin/sh\n: > "$ORACLE_MARK"\nexec "$@"\n')
    os.chmod(stand_in, 0o755)

    counts = {"instrumented": 0, "plain": 0, "rejected": 0, "disagree": 0}
    disagreements = []
    with concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
        futures = [pool.submit(run_case, i, seed, shim, rustc, root) for i in range(opts.cases)]
        for future in futures:
            outcome, shown, detail = future.result()
            counts[outcome] += 1
            if outcome == "disagree":
                disagreements.append((shown, detail))
    shutil.rmtree(root, ignore_errors=True)

    agreed = counts["instrumented"] + counts["plain"]
    print(f"oracle: {opts.cases} cases: {agreed} compiled and agreed "
          f"({counts['instrumented']} instrumented -> direct, {counts['plain']} plain -> cache), "
          f"{counts['rejected']} rejected by rustc and skipped, {counts['disagree']} disagreements")
    for shown, detail in disagreements[:20]:
        print(f"  DISAGREE: {' '.join(shown)}: {detail}")
    if agreed == 0:
        print("oracle: no case compiled: nothing was checked", file=sys.stderr)
        return 1
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
