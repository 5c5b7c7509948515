#!/usr/bin/env bash
# Shared by the storage fuzzers (tsm, tsmblock, wal, tombstone, fieldsidx, metadb): compiles one
# module's sources instrumented (libFuzzer + AddressSanitizer) together with the target's entry
# file; the packages it imports (NIO, SwiftProtobuf, swift-crypto, …) and Sundial's other modules
# come uninstrumented from the package's debug build, which is brought up to date first
# (BUILD=0 skips that).
#   source storage-build.sh; build_storage_fuzzer MODULE ENTRY.swift OUTPUT "DEP_TARGET …" "-lsystemlib …"
fuzz_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

build_storage_fuzzer() {
    local module="$1" entry="$2" output="$3" deps="$4" libs="${5:-}"
    if [ "${BUILD:-1}" = 1 ]; then
        (cd "$fuzz_root" && swift build --target "$module" 2>&1 | grep -E "error" >&2 || true)
    fi
    local debug
    debug="$(cd "$fuzz_root/.build/debug" && pwd -P)"
    local objects=()
    for target in $deps; do
        while IFS= read -r o; do objects+=("$o"); done < <(find "$debug/$target.build" -name "*.o")
    done
    # C modules the imported Swift modules were built against.
    local maps=()
    while IFS= read -r m; do maps+=(-Xcc "-fmodule-map-file=$m"); done < <(
        find "$debug" -maxdepth 2 -name module.modulemap
        find "$fuzz_root/Sources" -maxdepth 2 -name module.modulemap
        find "$fuzz_root/.build/checkouts" -path "*/Sources/*/include/module.modulemap" -not -path "*/Benchmarks/*")
    local sources=()
    while IFS= read -r f; do sources+=("$f"); done < <(find "$fuzz_root/Sources/$module" -name "*.swift" | sort)
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "$module" -I "$debug/Modules" "${maps[@]}" \
        "${sources[@]}" "$entry" "${objects[@]}" $libs -lstdc++ -o "$output" \
        2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2 || true)
}

# The targets every storage module's imports need (NIO and what it stands on).
nio_targets="NIOCore NIOPosix NIOConcurrencyHelpers _NIODataStructures _NIOBase64 CNIOLinux CNIOPosix CNIOAtomics CNIODarwin CNIOWindows CNIOWASI CNIOFreeBSD CNIOOpenBSD _CWASI Atomics _AtomicsShims DequeModule InternalCollectionsUtilities"
