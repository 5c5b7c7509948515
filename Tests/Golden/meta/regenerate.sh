#!/bin/sh
# Regenerates meta.db: the metadata file a real influxd (1.6.7) keeps after the statements
# below (databases, retention policies, users and grants, a continuous query, a
# subscription, a shard group). Loopback only; a temporary directory, removed afterwards.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:18788"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:18786"
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF

influxd run -config "$work/influxd.conf" > "$work/influxd.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18786/ping > /dev/null; do sleep 0.2; done
q() { curl -sf -XPOST http://127.0.0.1:18786/query --data-urlencode "q=$1" > /dev/null; }
q 'CREATE DATABASE alpha'
q 'CREATE DATABASE beta WITH DURATION 7d REPLICATION 1 SHARD DURATION 1d NAME week'
q 'CREATE RETENTION POLICY hour ON alpha DURATION 2h REPLICATION 1 SHARD DURATION 1h'
q 'CREATE RETENTION POLICY forever ON alpha DURATION INF REPLICATION 1 DEFAULT'
q "CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES"
q "CREATE USER reader WITH PASSWORD 'r'"
q 'GRANT READ ON alpha TO reader'
q 'GRANT ALL ON beta TO reader'
q 'CREATE CONTINUOUS QUERY cq1 ON alpha BEGIN SELECT mean(v) INTO alpha.hour.m_mean FROM alpha.autogen.m GROUP BY time(1h) END'
q "CREATE SUBSCRIPTION sub1 ON alpha.autogen DESTINATIONS ALL 'udp://127.0.0.1:9999'"
printf 'm v=1 1500000000000000000\n' | curl -sf -XPOST 'http://127.0.0.1:18786/write?db=alpha&rp=autogen' --data-binary @-
sleep 1
cp "$work/meta/meta.db" "$here/meta.db"
echo "wrote $here/meta.db"
