#!/usr/bin/env python3
"""Many rustc-shim invocations at once, all logging to one SHIM_LOG file.

  stress.py SHIM [--invocations N] [--parallel P]

Runs N invocations (default 5000), P at a time (default 4, as cargo -j4 would),
alternating the direct route (a coverage flag) and the cache route (a no-op
program standing in for sccache), with long argv records at debug level on
every tenth one. Afterwards every line of the log must be whole (a record's
head, and for argv records the exact tail that invocation was given), and
each invocation must have written exactly its own decision line.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

HEAD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} rustc-shim\[(\d+)\] (\w+): (.*)$")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shim")
    parser.add_argument("--invocations", type=int, default=int(os.environ.get("STRESS_INVOCATIONS", 5000)))
    parser.add_argument("--parallel", type=int, default=4)
    opts = parser.parse_args()
    shim = os.path.abspath(opts.shim)
    work = tempfile.mkdtemp(prefix="rustc-shim-stress.")
    log = os.path.join(work, "shim.log")
    true = "/bin/true"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SHIM_")}
    base_env["SHIM_SCCACHE"] = true

    def run(i):
        env = dict(base_env)
        debug = i % 10 == 0
        env["SHIM_LOG"] = ("debug:" if debug else "info:") + log
        tag = f"inv{i:05d}"
        args = [shim, true, "--crate-name", tag]
        if i % 2 == 0:
            args += ["-C", "instrument-coverage"]
        if debug:
            args += ["--cfg", "x" * 5000 + tag]
        r = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        return i, r.returncode, r.stdout, r.stderr

    failures = []
    with concurrent.futures.ThreadPoolExecutor(opts.parallel) as pool:
        for i, code, out, err in pool.map(run, range(opts.invocations)):
            if code != 0 or out or err:
                failures.append((i, code, out[:200], err[:200]))

    decisions, argv_lines, broken = {}, 0, []
    with open(log, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = HEAD.match(line)
            if not m:
                broken.append(line[:120])
                continue
            text = m.group(3)
            if text.startswith(("direct: ", "cache: ")):
                decisions[m.group(1)] = decisions.get(m.group(1), 0) + 1
            elif text.startswith("argv: "):
                tail = re.search(r"--cfg (x{5000})(inv\d{5})$", text)
                if not tail:
                    broken.append(line[:120] + " ... " + line[-40:])
                argv_lines += 1
            elif not text.startswith("sccache: "):
                broken.append(line[:120])
    total = sum(decisions.values())
    expected_argv = len(range(0, opts.invocations, 10))
    print(f"stress: {opts.invocations} invocations, {opts.parallel} at a time, one log: "
          f"{total} decision lines ({len(decisions)} distinct pids), {argv_lines} argv lines of 5 KB, "
          f"{len(broken)} broken lines, {len(failures)} failed invocations")
    ok = (total == opts.invocations and argv_lines == expected_argv and not broken and not failures
          and all(n == 1 for n in decisions.values()))
    for line in broken[:5]:
        print(f"  broken: {line}")
    for failure in failures[:5]:
        print(f"  failed: {failure}")
    if ok:
        os.remove(log)
        os.rmdir(work)
    else:
        print(f"stress: kept {log}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
