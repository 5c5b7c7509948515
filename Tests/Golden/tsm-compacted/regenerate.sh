#!/bin/sh
# Regenerates the shard files of a real influxd (1.6.7) that snapshotted many small caches and
# compacted them (levels, then a full compaction). The points follow a formula that
# Tests/Unit/TSMTests/CompactedGoldenTests.swift recomputes:
#   m,host=h<H> i=<(H*7 + S*S) % 1000>i,f=<S*0.25 + H> <S * 10 s>   for H in 0..<4, S in 0..<6000
# Loopback only; a temporary directory, removed afterwards.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:18688"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
  cache-snapshot-memory-size = "32k"
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "1s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:18686"
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF
influxd run -config "$work/influxd.conf" > "$work/influxd.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18686/ping > /dev/null; do sleep 0.2; done
curl -sf -XPOST http://127.0.0.1:18686/query --data-urlencode "q=CREATE DATABASE golden WITH SHARD DURATION 15000w" > /dev/null
python3 - "$work" <<'PY'
import sys, time, urllib.request
lines = []
for s in range(6000):
    for h in range(4):
        lines.append("m,host=h%d i=%di,f=%r %d" % (h, (h * 7 + s * s) % 1000, s * 0.25 + h, s * 10_000_000_000))
for n, i in enumerate(range(0, len(lines), 400)):
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:18686/write?db=golden", data="\n".join(lines[i:i + 400]).encode(), method="POST")).read()
    if n % 3 == 2:
        time.sleep(1.2)  # let the 1 s compaction check snapshot the cache (32 KiB)
PY
# Wait for the compactions to settle: one .tsm file, unchanged for 5 s.
dir=$(echo "$work"/data/golden/autogen/*)
prev=""; stable=0
while [ $stable -lt 5 ]; do
  sleep 1
  now=$(ls -l "$dir" | grep '\.tsm' || true)
  if [ "$now" = "$prev" ] && [ $(ls "$dir" | grep -c '\.tsm$') -eq 1 ] && ! ls "$dir" | grep -q tmp; then stable=$((stable+1)); else stable=0; fi
  prev="$now"
done
grep -o 'tsm1_level=[0-9]*\|tsm1_strategy=[a-z]*\|Snapshot for path' "$work/influxd.log" | sort | uniq -c > "$here/compactions.txt" || true
rm -f "$here"/*.tsm
cp "$dir"/*.tsm "$here/"
ls "$dir" > "$here/files.txt"
echo "copied $(ls "$dir" | grep '\.tsm$')"
