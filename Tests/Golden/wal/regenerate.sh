#!/bin/sh
# Regenerates golden.wal: the WAL segment a real influxd (1.6.7) writes for the requests below.
# Loopback only; a temporary directory, removed afterwards. The cache is never snapshotted
# (default 10m cold duration), so the segment still holds every entry when it is copied.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:18388"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:18386"
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF

influxd run -config "$work/influxd.conf" > "$work/influxd.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18386/ping > /dev/null; do sleep 0.2; done

q() { curl -sf -XPOST http://127.0.0.1:18386/query --data-urlencode "db=golden" --data-urlencode "q=$1" > /dev/null; }
w() { printf '%s' "$1" | curl -sf -XPOST 'http://127.0.0.1:18386/write?db=golden' --data-binary @-; }
q 'CREATE DATABASE golden WITH SHARD DURATION 15000w'
# One series per request: one key per WAL write entry, so its bytes are deterministic.
w 'cpu,host=a value=1.5 1000000000'
w 'cpu,host=a value=-2.25 2000000000'
w 'mem,host=a used=42i 1000000000'
w 'flag,host=a on=true 1000000000'
w 'log,host=a msg="hello \"wal\"" 1000000000'
# Several keys in one entry (Go map order: decoded, not compared byte for byte).
w 'disk,host=a free=1i,total=2i 1000000000
disk,host=b free=3i 1000000000'
q 'DELETE FROM cpu WHERE time < 1500000000'
q 'DROP SERIES FROM flag'
sleep 1
cp "$work"/wal/golden/autogen/*/_00001.wal "$here/golden.wal"
ls "$work"/wal/golden/autogen/*/ > "$here/segments.txt"
echo "wrote $here/golden.wal"
