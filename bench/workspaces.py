#!/usr/bin/env python3
"""Writes the generated cargo workspaces that bench/e2e.sh builds.

  python3 bench/workspaces.py chain DIR [CRATES]   the deep dependency chain
  python3 bench/workspaces.py loop DIR             the edit loop's workspace
  python3 bench/workspaces.py edit DIR N           the loop's N-th edit
  python3 bench/workspaces.py newlock DIR          a new bench/loop.Cargo.lock

The output depends on the arguments only, so every run builds the same code.

chain: CRATES (default 16) library crates, c00 <- c01 <- ... each depending on
the one before and calling it, no registry crate. Each is mostly code for the
back end (non-generic functions full of arithmetic, matches and loops, closures
folded over arrays), so a crate's codegen takes longer than the analysis that
makes its metadata: cargo's pipelining starts the next crate on the metadata,
and a wrapper that held the metadata notice back until the end would show as a
slower chain.

loop: four member crates using serde (derive), serde_json and regex from the
Rust registry, at the versions of bench/loop.Cargo.lock (written as the
workspace's lock; build it with --locked):
  model   records with serde's derives, to and from JSON
  rules   regex rules that read a line into a record (rules/src/rules.rs is
          the file the loop edits)
  report  summaries of records as JSON values
  cli     the binary: reads lines, applies the rules, prints a report
rules is a leaf-ish member: only cli depends on it.

The kept lock names the registry source by a placeholder, so that no registry's
address is written in this tree: `loop` lets cargo write a lock of its own
first (which needs the registry's index, as the build does), takes cargo's
name for the source from it, and writes the kept lock in its place. `newlock`
resolves the newest versions again and keeps that lock.

edit: the loop's N-th edit (N from 1) to rules/src/rules.rs: odd N append a new
function, even N change the constant LINE_LIMIT. Edits add up (the function of
edit 1 stays when edit 3 adds its own), so the file never repeats an earlier
content and no compile of it can be a cache hit.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LOOP_LOCK = os.path.join(HERE, "loop.Cargo.lock")
REGISTRY = "registry+@the-rust-registry@"
SOURCE = re.compile(r'^source = "(registry\+[^"]*)"$', re.M)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def package(name, deps):
    lines = [
        "[package]",
        f'name = "{name}"',
        'version = "0.1.0"',
        'edition = "2021"',
        "publish = false",
        "",
        "[dependencies]",
    ]
    lines += deps
    return "\n".join(lines) + "\n"


def workspace(members):
    listed = ", ".join(f'"{m}"' for m in members)
    return f'[workspace]\nmembers = [{listed}]\nresolver = "2"\n'


# --- the chain ---------------------------------------------------------------

def chain_lib(i, fns):
    """One link: FNS mixing functions, each calling its counterpart one link down."""
    out = [f"//! Link {i} of the generated dependency chain (bench/workspaces.py).", ""]
    if i > 0:
        out += [f"use chain_c{i - 1:02d} as down;", ""]
    out += [
        f"pub const SEED: u64 = 0x{(0x9E3779B97F4A7C15 * (i + 1)) & 0xFFFFFFFFFFFFFFFF:016x};",
        "",
        "#[derive(Clone, Copy, Debug, Default)]",
        "pub struct State {",
        "    pub words: [u64; 4],",
        "}",
        "",
        "impl State {",
        "    pub fn step(&mut self, x: u64) -> u64 {",
        "        let w = &mut self.words;",
        "        w[0] = w[0].wrapping_add(x).rotate_left(13);",
        "        w[1] ^= w[0].wrapping_mul(SEED | 1);",
        "        w[2] = w[2].wrapping_sub(w[1]).rotate_right(7);",
        "        w[3] ^= w[2] >> 11;",
        "        w.iter().fold(SEED, |a, v| a.rotate_left(5) ^ v)",
        "    }",
        "}",
        "",
    ]
    for j in range(fns):
        k1 = (0xA24BAED4963EE407 * (j + 3) + i) & 0xFFFFFFFFFFFFFFFF
        k2 = (0x9FB21C651E98DF25 * (i + 7) + j) & 0xFFFFFFFFFFFFFFFF
        call = f"down::mix_{j}(x ^ {k1:#x})" if i > 0 else f"x.wrapping_mul({k1:#x})"
        out += [
            f"pub fn mix_{j}(x: u64) -> u64 {{",
            f"    let mut s = State {{ words: [x, x ^ {k2:#x}, x.rotate_left({(j % 63) + 1}), SEED] }};",
            f"    let mut acc = {call};",
            f"    for round in 0..(x % {3 + j % 5} + 2) {{",
            "        acc = match (acc ^ round) % 8 {",
            f"            0 => acc.wrapping_mul({k1 | 1:#x}).rotate_left({(i + j) % 31 + 1}),",
            f"            1 => acc ^ (acc >> {(j % 29) + 3}) ^ s.step(round),",
            f"            2 => acc.wrapping_add({k2:#x}).swap_bytes(),",
            f"            3 => (acc as u32 as u64).wrapping_mul({(k1 >> 32) | 1:#x}) ^ (acc >> 32),",
            "            4 => acc.reverse_bits() ^ s.words[(round % 4) as usize],",
            f"            5 => acc.count_ones() as u64 * {k2 >> 40:#x} + acc.leading_zeros() as u64,",
            "            6 => [acc, round, SEED, x].iter().map(|v| v.rotate_left(3)).fold(0, |a, v| a ^ v),",
            "            _ => s.step(acc),",
            "        };",
            "        s.words[(round % 4) as usize] ^= acc;",
            "    }",
            "    let tail: u64 = s.words.iter().enumerate().map(|(n, w)| w.rotate_left(n as u32)).sum::<u64>();",
            "    acc.wrapping_add(tail)",
            "}",
            "",
        ]
    names = ", ".join(f"mix_{j}" for j in range(fns))
    out += [
        f"pub static TABLE: [fn(u64) -> u64; {fns}] = [{names}];",
        "",
        "pub fn mix_all(x: u64) -> u64 {",
        "    TABLE.iter().fold(x, |a, f| f(a))",
        "}",
        "",
    ]
    return "\n".join(out)


def chain(root, crates):
    members = [f"c{i:02d}" for i in range(crates)]
    write(os.path.join(root, "Cargo.toml"), workspace(members))
    for i, m in enumerate(members):
        deps = [f'chain-c{i - 1:02d} = {{ path = "../c{i - 1:02d}" }}'] if i > 0 else []
        write(os.path.join(root, m, "Cargo.toml"), package(f"chain-{m}", deps))
        write(os.path.join(root, m, "src", "lib.rs"), chain_lib(i, 60))


# --- the edit loop's workspace ----------------------------------------------

RECORDS = 24


def model_lib():
    out = [
        "//! Records of the edit loop's workspace (bench/workspaces.py).",
        "",
        "use serde::{Deserialize, Serialize};",
        "",
        "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]",
        "pub enum Level {",
        "    Low,",
        "    Mid,",
        "    High,",
        "}",
        "",
    ]
    for k in range(RECORDS):
        out += [
            "#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]",
            f"pub struct Record{k} {{",
            "    pub id: u64,",
            "    pub name: String,",
            "    pub level: Level,",
            "    pub tags: Vec<String>,",
            "    pub score: f64,",
            "    #[serde(default, skip_serializing_if = \"Option::is_none\")]",
            "    pub parent: Option<u64>,",
            f"    pub extra_{k}: Vec<(String, i64)>,",
            "}",
            "",
            f"impl Record{k} {{",
            "    pub fn to_json(&self) -> String {",
            "        serde_json::to_string(self).expect(\"a record always serialises\")",
            "    }",
            "",
            "    pub fn from_json(text: &str) -> serde_json::Result<Self> {",
            "        serde_json::from_str(text)",
            "    }",
            "",
            "    pub fn weight(&self) -> f64 {",
            f"        self.score * {k + 1}.0 + self.tags.len() as f64 + self.extra_{k}.iter().map(|(_, v)| *v as f64).sum::<f64>()",
            "    }",
            "}",
            "",
        ]
    return "\n".join(out)


def rules_lib():
    return "\n".join([
        "//! Rules that read a line into a record (bench/workspaces.py).",
        "",
        "mod rules;",
        "",
        "pub use rules::*;",
        "",
    ])


def rules_rs():
    out = [
        "use std::sync::OnceLock;",
        "",
        "use model::*;",
        "use regex::Regex;",
        "",
        "/// Lines longer than this are skipped.",
        "pub const LINE_LIMIT: usize = 4096;",
        "",
        "fn level(text: &str) -> Level {",
        "    match text {",
        "        \"high\" => Level::High,",
        "        \"mid\" => Level::Mid,",
        "        _ => Level::Low,",
        "    }",
        "}",
        "",
    ]
    for k in range(RECORDS):
        out += [
            f"fn rule_{k}() -> &'static Regex {{",
            "    static RE: OnceLock<Regex> = OnceLock::new();",
            "    RE.get_or_init(|| {",
            f"        Regex::new(r\"^r{k}:(?P<id>\\d+):(?P<name>[a-z_]+):(?P<level>low|mid|high):(?P<score>\\d+(?:\\.\\d+)?)(?::(?P<tags>[a-z,]*))?(?:@(?P<parent>\\d+))?$\")",
            "            .expect(\"the rule compiles\")",
            "    })",
            "}",
            "",
            f"pub fn parse_{k}(line: &str) -> Option<Record{k}> {{",
            "    if line.len() > LINE_LIMIT {",
            "        return None;",
            "    }",
            f"    let c = rule_{k}().captures(line)?;",
            f"    Some(Record{k} {{",
            "        id: c[\"id\"].parse().ok()?,",
            "        name: c[\"name\"].to_string(),",
            "        level: level(&c[\"level\"]),",
            "        tags: c.name(\"tags\").map(|t| t.as_str().split(',').filter(|s| !s.is_empty()).map(String::from).collect()).unwrap_or_default(),",
            "        score: c[\"score\"].parse().ok()?,",
            "        parent: c.name(\"parent\").and_then(|p| p.as_str().parse().ok()),",
            f"        extra_{k}: c[\"name\"].split('_').enumerate().map(|(n, s)| (s.to_string(), n as i64 * {k + 1})).collect(),",
            "    })",
            "}",
            "",
        ]
    out += ["/// Which rule a line is for, by its prefix.", "pub fn parse_json(line: &str) -> Option<String> {",
            "    let (head, _) = line.split_once(':')?;",
            "    match head {"]
    for k in range(RECORDS):
        out.append(f"        \"r{k}\" => parse_{k}(line).map(|r| r.to_json()),")
    out += ["        _ => None,", "    }", "}", ""]
    return "\n".join(out)


def report_lib():
    out = [
        "//! Summaries of records (bench/workspaces.py).",
        "",
        "use model::*;",
        "use serde_json::{json, Value};",
        "",
    ]
    for k in range(RECORDS):
        out += [
            f"pub fn summary_{k}(records: &[Record{k}]) -> Value {{",
            "    let total: f64 = records.iter().map(|r| r.weight()).sum();",
            "    let high = records.iter().filter(|r| r.level == Level::High).count();",
            "    let mut names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();",
            "    names.sort_unstable();",
            "    names.dedup();",
            f"    json!({{ \"rule\": {k}, \"count\": records.len(), \"high\": high, \"total\": total, \"names\": names }})",
            "}",
            "",
        ]
    return "\n".join(out)


def cli_main():
    return "\n".join([
        "//! Reads lines, applies the rules, prints one JSON value per known line",
        "//! and a count (bench/workspaces.py).",
        "",
        "use std::io::{self, BufRead};",
        "",
        "fn main() {",
        "    let mut known = 0usize;",
        "    for line in io::stdin().lock().lines().map_while(Result::ok) {",
        "        if let Some(json) = rules::parse_json(&line) {",
        "            let back: serde_json::Value = serde_json::from_str(&json).expect(\"our own JSON\");",
        "            println!(\"{back}\");",
        "            known += 1;",
        "        }",
        "    }",
        "    println!(\"{}\", report::summary_0(&[]));",
        "    eprintln!(\"{known} lines known\");",
        "}",
        "",
    ])


def loop(root):
    write(os.path.join(root, "Cargo.toml"), workspace(["model", "rules", "report", "cli"]))
    write(os.path.join(root, "model", "Cargo.toml"),
          package("model", ['serde = { version = "1", features = ["derive"] }', 'serde_json = "1"']))
    write(os.path.join(root, "model", "src", "lib.rs"), model_lib())
    write(os.path.join(root, "rules", "Cargo.toml"),
          package("rules", ['model = { path = "../model" }', 'regex = "1"']))
    write(os.path.join(root, "rules", "src", "lib.rs"), rules_lib())
    write(os.path.join(root, "rules", "src", "rules.rs"), rules_rs())
    write(os.path.join(root, "report", "Cargo.toml"),
          package("report", ['model = { path = "../model" }', 'serde_json = "1"']))
    write(os.path.join(root, "report", "src", "lib.rs"), report_lib())
    write(os.path.join(root, "cli", "Cargo.toml"),
          package("cli", ['model = { path = "../model" }', 'rules = { path = "../rules" }',
                          'report = { path = "../report" }', 'serde_json = "1"']))
    write(os.path.join(root, "cli", "src", "main.rs"), cli_main())


def cargo_lock(root):
    """Lets cargo resolve the workspace; returns its lock and cargo's name for the registry."""
    subprocess.run(["cargo", "generate-lockfile", "--quiet"], cwd=root, check=True)
    with open(os.path.join(root, "Cargo.lock")) as f:
        text = f.read()
    sources = set(SOURCE.findall(text))
    if len(sources) != 1:
        sys.exit(f"{root}/Cargo.lock: expected one registry source, found {sorted(sources)}")
    return text, sources.pop()


def loop_locked(root):
    loop(root)
    _, source = cargo_lock(root)
    with open(LOOP_LOCK) as f:
        kept = f.read()
    write(os.path.join(root, "Cargo.lock"), kept.replace(REGISTRY, source))


def new_lock(root):
    loop(root)
    text, source = cargo_lock(root)
    write(LOOP_LOCK, text.replace(source, REGISTRY))


def edit(root, n):
    path = os.path.join(root, "rules", "src", "rules.rs")
    with open(path) as f:
        text = f.read()
    if n % 2 == 1:
        text += "\n".join([
            "",
            f"/// Added by the loop's edit {n}.",
            f"pub fn count_{n}(line: &str) -> usize {{",
            f"    line.split(':').filter(|part| part.len() > {n % 7}).count() + {n}",
            "}",
            "",
        ])
    else:
        head, sep, tail = text.partition("pub const LINE_LIMIT: usize = ")
        if not sep:
            sys.exit(f"{path}: no LINE_LIMIT to change")
        tail = tail[tail.index(";"):]
        text = f"{head}{sep}{4096 + n}{tail}"
    with open(path, "w") as f:
        f.write(text)


def main(argv):
    if len(argv) >= 3 and argv[1] == "chain":
        chain(argv[2], int(argv[3]) if len(argv) > 3 else 16)
    elif len(argv) == 3 and argv[1] == "loop":
        loop_locked(argv[2])
    elif len(argv) == 3 and argv[1] == "newlock":
        new_lock(argv[2])
    elif len(argv) == 4 and argv[1] == "edit":
        edit(argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
