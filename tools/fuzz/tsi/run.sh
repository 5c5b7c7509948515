#!/usr/bin/env bash
# Builds and runs the tsi1 file fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/tsi/run.sh [RUNS]     default 1000000 executions
# Sources/TSI is compiled instrumented with the entry file (tools/fuzz/storage-build.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../storage-build.sh"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
build_storage_fuzzer TSI "$here/FuzzTSI.swift" "$out/fuzz-tsi" "Checksum GoMath" "-lroaring"
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-tsi -runs="${1:-1000000}" -max_len=4096 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 corpus
