#!/usr/bin/env bash
# Builds and runs the OpenTSDB telnet and /api/put JSON fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/opentsdb/run.sh [RUNS]     default 1000000 executions
# The parsing files, GoText and LineProtocol are compiled as one module (their imports of
# each other removed in a copy under out/src).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus" "$out/src"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
rm -f "$out"/src/*.swift
cp "$root"/Sources/LineProtocol/*.swift "$root"/Sources/GoText/*.swift "$out/src/"
for f in TelnetPut PutJSON HTTPPut; do cp "$root/Sources/OpenTSDB/$f.swift" "$out/src/"; done
sed -i -E '/^import (GoText|LineProtocol)$/d' "$out"/src/*.swift
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name OpenTSDB \
    "$out"/src/*.swift "$here/FuzzOpenTSDB.swift" -o "$out/fuzz-opentsdb" 2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2)
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-opentsdb -runs="${1:-1000000}" -max_len=1024 -timeout=5 -print_final_stats=1 corpus
