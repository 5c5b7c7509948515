#!/usr/bin/env bash
# Builds and runs the Prometheus remote write/read decoder fuzzer (libFuzzer + AddressSanitizer).
#   tools/fuzz/promremote/run.sh [RUNS]     default 1000000 executions
# LineProtocol is built first as an instrumented static library; the decoders (the PromRemote
# files that need neither SwiftProtobuf nor Snappy) are compiled with the entry file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/out"
mkdir -p "$out/corpus" "$out/lib"
cp -n "$here"/seeds/* "$out/corpus/" 2>/dev/null || true
filter() { grep -v "ld.gold: warning: Cannot export local symbol" >&2 || true; }
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name LineProtocol -emit-library -static \
    -emit-module -emit-module-path "$out/lib/LineProtocol.swiftmodule" \
    "$root"/Sources/LineProtocol/*.swift -o "$out/lib/libLineProtocol.a" 2> >(filter)
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name PromRemote -I "$out/lib" -L "$out/lib" -lLineProtocol \
    "$root"/Sources/PromRemote/{WireReader,WireError,RemoteWrite,ReadRequest}.swift "$here/FuzzPromRemote.swift" \
    -o "$out/fuzz-promremote" 2> >(filter)
cd "$out"
SWIFT_BACKTRACE=enable=no ./fuzz-promremote -runs="${1:-1000000}" -max_len=2048 -print_final_stats=1 corpus
