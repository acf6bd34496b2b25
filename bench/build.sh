# Sourced by scripts/bench and scripts/startup-order, from the top of the tree:
# configures and builds build-bench, the release build that both use, so that
# the start-up list is traced from the very build the benchmark times.
# Sets `build`.
export CC="${CC:-cc}" CXX="${CXX:-g++}"
build=build-bench
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" -Dbuildtype=release -Dtests=disabled >/dev/null
else
  meson setup "$build" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
# ninja reports a failed compile on stdout: show it then.
if ! out=$(ninja -C "$build" 2>&1); then echo "$out" >&2; exit 1; fi
