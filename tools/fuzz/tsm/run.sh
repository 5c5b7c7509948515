#!/usr/bin/env bash
# Builds and runs the TSM file fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/tsm/run.sh [RUNS]     default 1000000 executions
# Sources/TSM is compiled instrumented with the entry file; its imports come from the debug
# build (tools/fuzz/storage-build.sh). -malloc_limit_mb: no allocation may approach what a
# 4 KiB file could justify only through a length field.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../storage-build.sh"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
build_storage_fuzzer TSM "$here/FuzzTSM.swift" "$out/fuzz-tsm" "Snappy Checksum Gzip LineProtocol CompressNIO CCompressZlib ContainersPreview $nio_targets" "-lsnappy -lz"
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-tsm -runs="${1:-1000000}" -max_len=4096 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 corpus
