#!/usr/bin/env bash
# Builds and runs the collectd packet parser fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/collectd/run.sh [RUNS]     default 1000000 executions
# The parser's sources are compiled instrumented; LineProtocol and swift-crypto come from the
# package's build (CONFIG=debug, the default, builds it first; CONFIG=release uses an existing
# `swift build -c release`, whose optimised AES is ~10x faster; BUILD=0 skips the debug build),
# linked uninstrumented.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
config="${CONFIG:-debug}"
[ "$config" = debug ] && [ "${BUILD:-1}" = 1 ] && (cd "$root" && swift build --target Collectd 2>&1 | grep -E "error" >&2 || true)
debug="$root/.build/$config"
objects=()
for target in LineProtocol Crypto CryptoExtras CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims CXKCP CXKCPShims SwiftASN1; do
    while IFS= read -r o; do objects+=("$o"); done < <(find "$debug/$target.build" -name "*.o")
done
sources=()
for f in ValueList TypesDB AuthFile PacketCrypto PacketParser PacketBuilder PointMapping; do sources+=("$root/Sources/Collectd/$f.swift"); done
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Collectd -I "$debug/Modules" \
    -Xcc -fmodule-map-file="$root/.build/checkouts/swift-crypto/Sources/CCryptoBoringSSL/include/module.modulemap" \
    -Xcc -fmodule-map-file="$root/.build/checkouts/swift-crypto/Sources/CCryptoBoringSSLShims/include/module.modulemap" \
    "${sources[@]}" "$here/FuzzCollectd.swift" "${objects[@]}" -lstdc++ -o "$out/fuzz-collectd" \
    2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2)
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-collectd -runs="${1:-1000000}" -max_len=1452 -print_final_stats=1 corpus
