#!/usr/bin/env bash
# The static rustc-shim skips libstdc++'s iostream initializer (src/no_iostream.cc).
# That is only safe while nothing in the binary uses the standard streams:
# fail if any of them, or libstdc++'s own initializer, was linked in.
set -euo pipefail
exe=$1
symbols=$(nm "$exe")
found=$(nm -C "$exe" | grep -E ' std::(w)?(cout|cerr|clog|cin)$' || true)
if [ -n "$found" ]; then
  echo "no-iostream: $exe links the standard streams, which are never initialized there:" >&2
  echo "$found" >&2
  exit 1
fi
# ios_init.o, libstdc++'s initializer, is the one file that defines
# std::ios_base::sync_with_stdio: present, the empty initializer did not take.
if grep -q ' _ZNSt8ios_base15sync_with_stdioEb$' <<<"$symbols"; then
  echo "no-iostream: $exe links libstdc++'s iostream initializer (ios_init.o)" >&2
  exit 1
fi
if ! grep -q ' T _ZNSt8ios_base4InitC1Ev$' <<<"$symbols"; then
  echo "no-iostream: $exe lacks src/no_iostream.cc's std::ios_base::Init::Init()" >&2
  exit 1
fi
echo "no-iostream: $exe uses no standard stream and runs no iostream initializer"
