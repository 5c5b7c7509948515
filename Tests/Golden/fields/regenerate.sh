#!/bin/sh
# Regenerates fields.idx (and one-field.idx): the field index a real influxd (1.6.7) keeps for
# the writes below. Loopback only; a temporary directory, removed afterwards.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:18588"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:18586"
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF

influxd run -config "$work/influxd.conf" > "$work/influxd.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18586/ping > /dev/null; do sleep 0.2; done
q() { curl -sf -XPOST http://127.0.0.1:18586/query --data-urlencode "q=$1" > /dev/null; }
q 'CREATE DATABASE golden WITH SHARD DURATION 15000w'
q 'CREATE DATABASE one WITH SHARD DURATION 15000w'
printf '%s\n' 'cpu,host=a usage=1.5,count=3i 1000000000' 'log msg="hi",ok=true 1000000000' 'mem free=1i 1000000000' |
  curl -sf -XPOST 'http://127.0.0.1:18586/write?db=golden' --data-binary @-
# One measurement with one field: no Go map order involved, so the bytes are deterministic.
printf '%s\n' 'cpu usage=1.5 1000000000' | curl -sf -XPOST 'http://127.0.0.1:18586/write?db=one' --data-binary @-
sleep 1
cp "$work"/data/golden/autogen/*/fields.idx "$here/fields.idx"
cp "$work"/data/one/autogen/*/fields.idx "$here/one-field.idx"
echo "wrote $here/fields.idx $here/one-field.idx"
