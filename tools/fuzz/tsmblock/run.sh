#!/usr/bin/env bash
# Builds and runs the TSM block fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/tsmblock/run.sh [RUNS]     default 1000000 executions
# Sources/TSM is compiled instrumented with the entry file (tools/fuzz/storage-build.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../storage-build.sh"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
build_storage_fuzzer TSM "$here/FuzzTSMBlock.swift" "$out/fuzz-tsmblock" "Snappy Checksum Gzip LineProtocol CompressNIO CCompressZlib ContainersPreview $nio_targets" "-lsnappy -lz"
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-tsmblock -runs="${1:-1000000}" -max_len=2048 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 corpus
