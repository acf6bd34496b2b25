#!/usr/bin/env bash
# shellcheck disable=SC2317  # the checks' functions run through check()
# Tries each artifact scripts/release put in DIST where it would run:
#   - SHA256SUMS matches every file;
#   - each archive's layout (rustc-shim-VERSION-TARGET/ with the binary, the
#     manual page, README.md, LICENSE, docs/);
#   - x86-64 Linux: static, no symbol table; --version and --explain in a
#     chroot that holds nothing but the binary; cargo builds through it in an
#     empty environment (test_installed.sh: cache hits, coverage direct),
#     and smoke.sh, the check the workflows run on macOS and Windows;
#   - arm64 Linux: static, arm64; the same cargo builds with the binary run
#     under qemu-user (qemu-aarch64-static);
#   - Windows: imports no DLL beyond Windows' own; under wine --version,
#     --explain, and a compile run through it with its exit code passed on;
#   - the wheels: twine check, auditwheel show (manylinux), the same bytes as
#     the archives; installed from the file with pip into a fresh venv, with
#     pipx and with `uv tool install`, each putting rustc-shim on PATH; the
#     x86-64 one then runs test_installed.sh; the arm64 and Windows ones
#     installed with pip --platform and run under qemu and wine;
#   - the source distribution: twine check, then `pip install` of it into a
#     fresh venv builds rustc-shim from source (meson-python from the index).
# Last line: "N passed, M failed". Usage: tests/release/run.sh DIST VERSION
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dist=$(realpath "$1")
version=$2
venv=$root/build-release/venv
# shellcheck source=../../tools/versions.sh
source "$root/tools/versions.sh"
sccache_newest() { sccache_bin "$SCCACHE_NEWEST"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/rustc-shim-release.XXXXXX")
export WINEPREFIX=$root/build-release/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
cleanup() {
  wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
check() {  # NAME COMMAND...: runs COMMAND (its output to the log) and counts the outcome
  local name=$1 log
  shift
  log=$work/check-$((passed + failed)).log
  if "$@" >"$log" 2>&1; then
    echo "ok: $name"
    passed=$((passed + 1))
  else
    echo "FAIL: $name"
    sed 's/^/    /' "$log" | tail -n 40
    failed=$((failed + 1))
  fi
}
# expect_output WANT COMMAND...: COMMAND succeeds and prints a line WANT (on stdout or stderr).
expect_output() {
  local want=$1 out
  shift
  out=$("$@" 2>&1) || { local status=$?; echo "$out"; echo "exit status $status"; return 1; }
  echo "$out"
  grep -qxF -- "$want" <<<"$out"
}

linux_x86=rustc-shim-$version-x86_64-unknown-linux-gnu
linux_arm=rustc-shim-$version-aarch64-unknown-linux-gnu
windows=rustc-shim-$version-x86_64-pc-windows-gnu
wheel() { compgen -G "$dist/rustc_shim-$version-py3-none-$1.whl" | head -n 1; }
wheel_x86=$(wheel 'manylinux*_x86_64')
wheel_arm=$(wheel 'manylinux*_aarch64')
wheel_win=$(wheel win_amd64)
sdist=$dist/rustc_shim-$version.tar.gz

# --- what is there -------------------------------------------------------------------
sums_match() { (cd "$dist" && sha256sum -c --strict SHA256SUMS); }
check "SHA256SUMS matches every file of dist/" sums_match
listed() { [ "$(cd "$dist" && ls | grep -v '^SHA256SUMS$' | sort)" = "$(cd "$dist" && awk '{print $2}' SHA256SUMS | sort)" ]; }
check "SHA256SUMS names every file of dist/" listed
for f in "$linux_x86.tar.gz" "$linux_arm.tar.gz" "$windows.zip" "rustc_shim-$version.tar.gz" \
  "rustc-shim_${version}_amd64.deb"; do
  check "dist/ holds $f" test -s "$dist/$f"
done
check "dist/ holds the manylinux x86_64, manylinux aarch64 and win_amd64 wheels" \
  test -n "$wheel_x86" -a -n "$wheel_arm" -a -n "$wheel_win"

# layout ARCHIVE-DIR EXE: the files an archive must hold, and nothing else.
layout() {
  local dir=$1 exe=$2 want got
  want=$(printf '%s\n' "$exe" rustc-shim.1 README.md LICENSE; (cd "$root" && ls docs/*.md))
  got=$(cd "$dir" && find . -type f | sed 's|^\./||')
  diff <(sort <<<"$want") <(sort <<<"$got")
}
mkdir -p "$work/x86" "$work/arm" "$work/win"
tar -xzf "$dist/$linux_x86.tar.gz" -C "$work/x86"
tar -xzf "$dist/$linux_arm.tar.gz" -C "$work/arm"
(cd "$work/win" && unzip -q "$dist/$windows.zip")
check "$linux_x86.tar.gz: layout" layout "$work/x86/$linux_x86" rustc-shim
check "$linux_arm.tar.gz: layout" layout "$work/arm/$linux_arm" rustc-shim
check "$windows.zip: layout" layout "$work/win/$windows" rustc-shim.exe
x86_bin=$work/x86/$linux_x86/rustc-shim
arm_bin=$work/arm/$linux_arm/rustc-shim
win_exe=$work/win/$windows/rustc-shim.exe

# --- x86-64 Linux ----------------------------------------------------------------------
# static_elf BIN MACHINE: an ELF for MACHINE with no program interpreter, no
# shared library and no symbol table.
static_elf() {
  local bin=$1 machine=$2
  readelf -hW "$bin" | grep -E "^ *Machine: *$machine\$" &&
    ! readelf -lW "$bin" | grep -q 'program interpreter' &&
    ! readelf -dW "$bin" | grep -q NEEDED &&
    ! readelf -SW "$bin" | grep -q ' \.symtab '
}
check "x86-64: static, stripped" static_elf "$x86_bin" 'Advanced Micro Devices X86-64'
mkdir -p "$work/chroot"
cp "$x86_bin" "$work/chroot/rustc-shim"
sudo=""  # chroot needs root
[ "$(id -u)" -eq 0 ] || sudo="sudo"
check "x86-64: --version in a chroot holding only the binary" \
  expect_output "rustc-shim $version" $sudo chroot "$work/chroot" /rustc-shim --version
check "x86-64: --explain in that chroot, with no environment" \
  expect_output "route: direct" $sudo env -i /usr/sbin/chroot "$work/chroot" /rustc-shim --explain rustc -C instrument-coverage lib.rs
check "x86-64: cargo builds through the archive's binary (test_installed.sh)" \
  "$here/test_installed.sh" x86_64-archive "$x86_bin"
check "x86-64: smoke.sh (what the workflows run on macOS and Windows) through it" \
  env PATH="$(dirname "$(sccache_newest)"):$HOME/.cargo/bin:$PATH" "$here/smoke.sh" "$x86_bin"

# --- arm64 Linux --------------------------------------------------------------------------
check "arm64: static, stripped" static_elf "$arm_bin" AArch64
check "arm64: --version under qemu-user" expect_output "rustc-shim $version" qemu-aarch64-static "$arm_bin" --version
check "arm64: --explain under qemu-user, with nothing but PATH (sccache's and rustup's folders)" \
  expect_output "route: cache" env -i PATH="$(dirname "$(sccache_newest)"):$HOME/.cargo/bin" \
  "$(command -v qemu-aarch64-static)" "$arm_bin" --explain rustc --crate-name x lib.rs
# cargo runs one program as the wrapper: a script that runs the arm64 binary under qemu.
cat >"$work/arm-wrapper" <<EOF
#!/bin/sh
exec qemu-aarch64-static "$arm_bin" "\$@"
EOF
chmod +x "$work/arm-wrapper"
check "arm64: cargo builds through the archive's binary under qemu-user (test_installed.sh)" \
  "$here/test_installed.sh" aarch64-archive "$work/arm-wrapper"

# --- Windows --------------------------------------------------------------------------------
# imports_windows_only EXE: every DLL it imports is one of Windows' own.
imports_windows_only() {
  local dlls
  dlls=$(x86_64-w64-mingw32-objdump -p "$1" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
  echo "$dlls"
  [ -n "$dlls" ] && ! grep -vxE 'kernel32\.dll|advapi32\.dll|msvcrt\.dll|user32\.dll|shell32\.dll|ws2_32\.dll|bcrypt\.dll|dbghelp\.dll|ntdll\.dll|ole32\.dll|api-ms-win-.*\.dll' <<<"$dlls"
}
pe32_x86_64() { file "$1" | grep 'PE32+ executable.*x86-64'; }
check "Windows: PE32+ x86-64" pe32_x86_64 "$win_exe"
check "Windows: imports only Windows' own DLLs" imports_windows_only "$win_exe"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot -i >"$work/wineboot.log" 2>&1 && wineserver -w
fi
# One wineserver for all the checks, and wine's own services started now, away
# from the checks' pipes: a service the first check starts would inherit its
# stdout and hold the check's $(...) open after the check has ended.
wineserver -p 2>/dev/null || true
wineboot </dev/null >/dev/null 2>&1 || true
check "Windows: --version under wine" expect_output "rustc-shim $version" wine "$win_exe" --version
check "Windows: --explain under wine" \
  expect_output "route: direct" wine "$win_exe" --explain rustc.exe -C instrument-coverage lib.rs
# A compiler run through it, here a stand-in that exits 3 (wine's cmd.exe,
# named with backslashes: cmd reads "C:/windows" as "C:" and a switch), and
# the shim must end with the compiler's exit status.
exit_code_passed_on() {
  local status=0
  wine "$win_exe" 'C:\windows\system32\cmd.exe' /c exit 3 </dev/null || status=$?
  echo "exit status $status"
  [ "$status" = 3 ]
}
check "Windows: a compiler run through it under wine, exit status 3 passed on" exit_code_passed_on

# --- the wheels ----------------------------------------------------------------------------------
check "twine check: the wheels and the source distribution" \
  "$venv/bin/twine" check --strict "$wheel_x86" "$wheel_arm" "$wheel_win" "$sdist"
# manylinux WHEEL: auditwheel finds its binary consistent with a manylinux policy.
manylinux() {
  local out
  out=$("$venv/bin/auditwheel" show "$1" 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  tr '\n' ' ' <<<"$out" | grep -q 'consistent with the following platform tag: "manylinux'
}
for w in "$wheel_x86" "$wheel_arm"; do
  check "auditwheel show: $(basename "$w") is manylinux" manylinux "$w"
done
# same_bytes WHEEL FILE-IN-WHEEL BINARY: the wheel carries BINARY's bytes.
same_bytes() {
  cmp <(unzip -p "$1" "rustc_shim-$version.data/scripts/$2") "$3"
}
check "x86-64 wheel: the archive's binary" same_bytes "$wheel_x86" rustc-shim "$x86_bin"
check "arm64 wheel: the archive's binary" same_bytes "$wheel_arm" rustc-shim "$arm_bin"
check "Windows wheel: the archive's binary" same_bytes "$wheel_win" rustc-shim.exe "$win_exe"

python3 -m venv "$work/venv-wheel"
check "pip install of the x86-64 wheel into a fresh venv" \
  "$work/venv-wheel/bin/pip" install --no-index --no-deps "$wheel_x86"
check "pip's venv: rustc-shim on its PATH" \
  expect_output "rustc-shim $version" env PATH="$work/venv-wheel/bin:/usr/bin:/bin" rustc-shim --version
check "pip's venv: cargo builds through it (test_installed.sh)" \
  "$here/test_installed.sh" x86_64-wheel "$work/venv-wheel/bin/rustc-shim"
check "pipx install of the x86-64 wheel" \
  env PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx-bin" PIPX_MAN_DIR="$work/pipx-man" \
  "$venv/bin/pipx" install "$wheel_x86"
check "pipx: rustc-shim on its PATH" \
  expect_output "rustc-shim $version" env PATH="$work/pipx-bin:/usr/bin:/bin" rustc-shim --version
check "uv tool install of the x86-64 wheel" \
  env UV_TOOL_DIR="$work/uv-tools" UV_TOOL_BIN_DIR="$work/uv-bin" UV_CACHE_DIR="$work/uv-cache" \
  "$venv/bin/uv" tool install --offline "$wheel_x86"
check "uv: rustc-shim on its PATH" \
  expect_output "rustc-shim $version" env PATH="$work/uv-bin:/usr/bin:/bin" rustc-shim --version
check "pip install --platform manylinux2014_aarch64 of the arm64 wheel" \
  "$venv/bin/pip" install --no-index --no-deps --only-binary=:all: --platform manylinux2014_aarch64 \
  --target "$work/pip-arm" "$wheel_arm"
check "the pip-installed arm64 rustc-shim under qemu-user" \
  expect_output "rustc-shim $version" qemu-aarch64-static "$work/pip-arm/bin/rustc-shim" --version
check "pip install --platform win_amd64 of the Windows wheel" \
  "$venv/bin/pip" install --no-index --no-deps --only-binary=:all: --platform win_amd64 \
  --target "$work/pip-win" "$wheel_win"
check "the pip-installed rustc-shim.exe under wine" \
  expect_output "rustc-shim $version" wine "$work/pip-win/bin/rustc-shim.exe" --version

# --- the source distribution ----------------------------------------------------------------------
# pip builds it in isolation: meson-python and meson come from the Python index
# at pyproject.toml's pins, the C++ libraries from the system (scripts/install-deps).
python3 -m venv "$work/venv-sdist"
check "pip install of the source distribution (a build from source)" \
  env CC=cc CXX=g++ "$work/venv-sdist/bin/pip" install --no-cache-dir "$sdist"
check "the source-built rustc-shim: --version" \
  expect_output "rustc-shim $version" "$work/venv-sdist/bin/rustc-shim" --version
check "the source-built rustc-shim: a coverage compile goes direct" \
  expect_output "route: direct" "$work/venv-sdist/bin/rustc-shim" --explain rustc -C instrument-coverage lib.rs

echo "$passed passed, $failed failed"
((failed == 0))
