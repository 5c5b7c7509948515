#!/usr/bin/env bash
# Builds and runs the line protocol fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/lineprotocol/run.sh [RUNS]     default 1000000 executions
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name LineProtocol \
    "$root"/Sources/LineProtocol/*.swift "$here/FuzzLineProtocol.swift" -o "$out/fuzz-lineprotocol" 2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2)
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-lineprotocol -runs="${1:-1000000}" -max_len=512 -print_final_stats=1 corpus
