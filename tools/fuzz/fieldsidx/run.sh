#!/usr/bin/env bash
# Builds and runs the fields.idx fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/fieldsidx/run.sh [RUNS]     default 1000000 executions
# Sources/TSDB is compiled instrumented with the entry file; TSM, SwiftProtobuf and the rest
# come from the debug build (tools/fuzz/storage-build.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../storage-build.sh"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
build_storage_fuzzer TSDB "$here/FuzzFieldsIndex.swift" "$out/fuzz-fieldsidx" "TSM TSI GoMath SwiftProtobuf Snappy Checksum Gzip LineProtocol CompressNIO CCompressZlib ContainersPreview $nio_targets" "-lsnappy -lz -lroaring"
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-fieldsidx -runs="${1:-1000000}" -max_len=1024 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 corpus
