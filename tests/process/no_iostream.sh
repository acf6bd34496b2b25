#!/usr/bin/env bash
# The static rustc-shim skips libstdc++'s iostream initializer (src/no_iostream.cc).
# That is only safe while nothing in the binary uses the standard streams:
# fail if any of them, or the real initializer, was linked in.
set -euo pipefail
exe=$1
symbols=$(nm -C "$exe")
found=$(grep -E ' (std::(w)?(cout|cerr|clog|cin)|std::ios_base::Init::Init\(\))$' <<<"$symbols" || true)
if [ -n "$found" ]; then
  echo "no-iostream: $exe links the standard streams, which are never initialized there:" >&2
  echo "$found" >&2
  exit 1
fi
grep -q '__wrap__ZNSt8ios_base4InitC1Ev' <<<"$(nm "$exe")" || {
  echo "no-iostream: the initializer wrap is missing from $exe" >&2
  exit 1
}
echo "no-iostream: $exe uses no standard stream"
