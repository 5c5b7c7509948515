#!/usr/bin/env bash
# Builds and runs the Graphite parser fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/graphite/run.sh [RUNS]     default 1000000 executions
# The parser's files, GoText and LineProtocol are compiled as one module (their imports of
# each other removed in a copy under out/src).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus" "$out/src"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
rm -f "$out"/src/*.swift
cp "$root"/Sources/LineProtocol/*.swift "$root"/Sources/GoText/*.swift "$out/src/"
for f in GraphiteTemplate TemplateMatcher GraphiteParser GraphiteErrors GraphiteSettings; do cp "$root/Sources/Graphite/$f.swift" "$out/src/"; done
sed -i -E '/^import (GoText|LineProtocol)$/d' "$out"/src/*.swift
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Graphite \
    "$out"/src/*.swift "$here/FuzzGraphite.swift" -o "$out/fuzz-graphite" 2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2)
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-graphite -runs="${1:-1000000}" -max_len=512 -timeout=5 -print_final_stats=1 corpus
