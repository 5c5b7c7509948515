#!/usr/bin/env bash
# Builds and runs the InfluxQL parser fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/influxql/run.sh [RUNS]     default 1000000 executions
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name InfluxQL \
    "$root"/Sources/InfluxQL/*.swift "$here/FuzzInfluxQL.swift" -o "$out/fuzz-influxql" 2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2)
cd "$out"
# Foundation caches compiled NSRegularExpressions, which LeakSanitizer reports as leaks.
ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no ./fuzz-influxql -runs="${1:-1000000}" -max_len=512 -timeout=5 -detect_leaks=0 -print_final_stats=1 corpus
