#!/bin/sh
# Regenerates golden.tsm and golden_raw.tsm with the locally installed influxd (1.6.7).
# Loopback only; everything lives in a temporary directory that is removed afterwards.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:18288"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  cache-snapshot-write-cold-duration = "1s"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:18286"
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF

(cd "$work" && python3 "$here/make_points.py")
grep '^ts_raw ' "$work/points.lp" > "$work/raw.lp"
grep -v '^ts_raw ' "$work/points.lp" > "$work/main.lp"

influxd run -config "$work/influxd.conf" > "$work/influxd.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18286/ping > /dev/null; do sleep 0.2; done

q() { curl -sf -XPOST http://127.0.0.1:18286/query --data-urlencode "q=$1" > /dev/null; }
q 'CREATE DATABASE golden'
q 'CREATE DATABASE golden_raw WITH SHARD DURATION 15000w'
curl -sf -XPOST 'http://127.0.0.1:18286/write?db=golden&precision=ns' --data-binary @"$work/main.lp"
curl -sf -XPOST 'http://127.0.0.1:18286/write?db=golden_raw&precision=ns' --data-binary @"$work/raw.lp"

# The cache is snapshotted to a level-1 TSM file after 1 s without writes.
sleep 8
cp "$work"/data/golden/autogen/*/000000001-000000001.tsm "$here/golden.tsm"
cp "$work"/data/golden_raw/autogen/*/000000001-000000001.tsm "$here/golden_raw.tsm"
echo "wrote $here/golden.tsm $here/golden_raw.tsm"
