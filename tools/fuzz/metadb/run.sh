#!/usr/bin/env bash
# Builds and runs the meta.db fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/metadb/run.sh [RUNS]     default 1000000 executions
# Sources/Meta (with its generated protobuf code) is compiled instrumented with the entry file;
# SwiftProtobuf, swift-crypto and NIO come from the debug build (tools/fuzz/storage-build.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../storage-build.sh"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
build_storage_fuzzer Meta "$here/FuzzMetaDB.swift" "$out/fuzz-metadb" \
    "SwiftProtobuf Crypto CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims CXKCP CXKCPShims SwiftASN1 ContainersPreview $nio_targets" "-lcrypt"
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-metadb -runs="${1:-1000000}" -max_len=2048 -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 corpus
