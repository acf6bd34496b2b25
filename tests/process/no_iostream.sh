#!/usr/bin/env bash
# The static rustc-shim skips libstdc++'s iostream initializer (src/no_iostream.cc).
# That is only safe while nothing in the binary uses the standard streams:
# fail if any of them was linked in, or if the initializer is not the empty one.
set -euo pipefail
exe=$1
found=$(nm -C "$exe" | grep -E ' std::(w)?(cout|cerr|clog|cin)$' || true)
if [ -n "$found" ]; then
  echo "no-iostream: $exe links the standard streams, which are never initialized there:" >&2
  echo "$found" >&2
  exit 1
fi
# libstdc++'s constructor runs to hundreds of bytes; the empty one to a few.
hex=$(nm -S "$exe" | awk '$4 == "_ZNSt8ios_base4InitC1Ev" { print $2 }')
if [ -z "$hex" ]; then
  echo "no-iostream: $exe has no std::ios_base::Init::Init() (src/no_iostream.cc's is missing)" >&2
  exit 1
fi
size=$((16#$hex))
if ((size > 16)); then
  echo "no-iostream: std::ios_base::Init::Init() in $exe is $size bytes, not src/no_iostream.cc's empty one" >&2
  exit 1
fi
echo "no-iostream: $exe uses no standard stream; its iostream initializer is the empty one ($size bytes)"
