#!/bin/sh
# Regenerates golden.tombstone: the tombstone file a real influxd (1.6.7) writes for the requests below.
# Loopback only; a temporary directory, removed afterwards. The cache is never snapshotted
# (default 10m cold duration), so the segment still holds every entry when it is copied.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:18488"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "1s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:18486"
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF

influxd run -config "$work/influxd.conf" > "$work/influxd.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18486/ping > /dev/null; do sleep 0.2; done

q() { curl -sf -XPOST http://127.0.0.1:18486/query --data-urlencode "db=golden" --data-urlencode "q=$1" > /dev/null; }
q 'CREATE DATABASE golden WITH SHARD DURATION 15000w'
printf '%s\n' 'cpu,host=a value=1 1000000000' 'cpu,host=a value=2 2000000000' 'cpu,host=a value=3 3000000000' \
  'cpu,host=b value=4 1000000000' 'flag,host=a on=true 1000000000' |
  curl -sf -XPOST 'http://127.0.0.1:18486/write?db=golden' --data-binary @-
# Wait for the cache snapshot (1 s cold), then delete from the TSM file.
sleep 8
dir=$(echo "$work"/data/golden/autogen/*)
cp "$dir"/000000001-000000001.tsm "$here/golden.tsm"
# The compactor soon rewrites a file with tombstones (000000001-000000002.tsm), so the
# tombstone file is copied as soon as the deletes return.
q 'DELETE FROM cpu WHERE host = '"'"'a'"'"' AND time < 2500000000'
q 'DROP SERIES FROM flag' && cp "$dir"/000000001-000000001.tombstone "$here/golden.tombstone"
ls "$dir" > "$here/files.txt"
echo "wrote $here/golden.tsm $here/golden.tombstone"
