#!/usr/bin/env bash
# Regenerates the committed Swift code for Spec/proto/*.proto. Run after changing a .proto;
# the build itself never runs protoc (building the plugin takes minutes).
#   tools/protogen/generate.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${PROTOGEN_DIR:-/tmp/sundial-protogen}"
version=1.39.0   # keep in step with the swift-protobuf version Package.swift resolves

command -v protoc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler; }
plugin="$work/swift-protobuf/.build/release/protoc-gen-swift"
if [ ! -x "$plugin" ]; then
    mkdir -p "$work"
    [ -d "$work/swift-protobuf" ] || git clone -q --branch "$version" https://github.com/apple/swift-protobuf.git "$work/swift-protobuf"
    (cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift)
fi

gen() {  # gen PROTO OUTDIR
    protoc --plugin="protoc-gen-swift=$plugin" --proto_path="$root/Spec/proto" \
        --swift_opt=Visibility=Public --swift_out="$2" "$1"
}
gen meta.proto "$root/Sources/Meta/Generated"
gen tsdb.proto "$root/Sources/TSDB/Generated"
gen prometheus.proto "$root/Sources/PromRemote/Generated"
echo "generated into Sources/{Meta,TSDB,PromRemote}/Generated"
