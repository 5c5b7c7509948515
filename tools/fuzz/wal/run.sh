#!/usr/bin/env bash
# Builds and runs the WAL segment fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/wal/run.sh [RUNS]     default 1000000 executions
# Sources/TSM is compiled instrumented with the entry file (tools/fuzz/storage-build.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../storage-build.sh"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
build_storage_fuzzer TSM "$here/FuzzWAL.swift" "$out/fuzz-wal" "Snappy Checksum Gzip LineProtocol CompressNIO CCompressZlib ContainersPreview $nio_targets" "-lsnappy -lz"
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-wal -runs="${1:-1000000}" -max_len=4096 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 corpus
