#!/usr/bin/env bash
# Builds and runs the InfluxQL planner + executor fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/planner/run.sh [RUNS [LIBFUZZER-FLAG …]]     default 1000000 executions
#   e.g. run.sh 300000 -fork=1 -ignore_crashes=1   keeps going past a known crash
# The Query module's sources are compiled instrumented together with FuzzPlanner.swift (as
# module Query, so its internal symbols are visible); Sundial's other modules and the packages
# they import come uninstrumented from the package's debug build, brought up to date first
# (BUILD=0 skips that).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true

if [ "${BUILD:-1}" = 1 ]; then
    (cd "$root" && swift build --target Query 2>&1 | grep -E "error" >&2 || true)
fi
debug="$(cd "$root/.build/debug" && pwd -P)"

# Query's dependencies, direct and transitive (Package.swift), as built objects.
deps="InfluxQL Meta TSDB TSI GoMath TSM LineProtocol Coordinator Monitor GoText CRE2 Snappy Checksum Gzip
    CompressNIO CCompressZlib SwiftProtobuf Crypto CCryptoBoringSSL CCryptoBoringSSLShims CryptoBoringWrapper CXKCP CXKCPShims
    Logging ServiceLifecycle UnixSignals ConcurrencyHelpers AsyncAlgorithms ServiceContextModule
    NIOCore NIOPosix NIOConcurrencyHelpers _NIODataStructures _NIOBase64 CNIOLinux CNIOPosix CNIOAtomics CNIODarwin
    CNIOWindows CNIOWASI CNIOFreeBSD CNIOOpenBSD _CWASI Atomics _AtomicsShims DequeModule OrderedCollections
    InternalCollectionsUtilities ContainersPreview BasicContainers"
objects=()
for target in $deps; do
    [ -d "$debug/$target.build" ] || continue
    while IFS= read -r o; do objects+=("$o"); done < <(find "$debug/$target.build" -name "*.o")
done
# C modules the imported Swift modules were built against.
maps=()
while IFS= read -r m; do maps+=(-Xcc "-fmodule-map-file=$m"); done < <(
    find "$debug" -maxdepth 2 -name module.modulemap
    find "$root/Sources" -maxdepth 2 -name module.modulemap
    find "$root/.build/checkouts" -path "*/Sources/*/include/module.modulemap" -not -path "*/Benchmarks/*")

# Compiled (slow: the whole module, optimized) and linked in two steps; COMPILE=0 reuses the binary.
if [ "${COMPILE:-1}" = 1 ]; then
swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -c -module-name Query -I "$debug/Modules" "${maps[@]}" \
    "$root"/Sources/Query/*.swift "$here/FuzzPlanner.swift" -o "$out/planner.o"
swiftc -sanitize=fuzzer,address "$out/planner.o" "${objects[@]}" -lre2 -lsnappy -lcrypt -lz -lroaring -lstdc++ -o "$out/fuzz-planner" \
    2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2 || true)
fi

cd "$out"
# Foundation caches compiled NSRegularExpressions, which LeakSanitizer reports as leaks.
ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no ./fuzz-planner -runs="${1:-1000000}" -max_len=512 -timeout=10 \
    -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 "${@:2}" corpus
