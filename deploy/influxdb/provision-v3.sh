#!/usr/bin/env bash
# Provisions InfluxDB 3 (Core or Enterprise) for the EdgeGateway hub: the database with its retention period, a
# database for long-term aggregates, and — on Enterprise — least-privilege tokens. InfluxDB 3 answers InfluxQL on
# /query with the database name itself (no DBRP mapping) and takes the hub's writes on /api/v2/write (bucket =
# database, the organization ignored): the hub runs with Hub:Influx:Api V2, Url http://host:8181, Database edge.
# Idempotent: run it again to change the retention.
#
#   deploy/influxdb/provision-v3.sh [--host http://127.0.0.1:8181] [--database edge] [--trends-database edge_trends]
#       [--raw-retention 400d] [--trends-retention none] [--admin-token-file /etc/edgegateway/influx-admin-token]
#       [--hub-token-file /etc/edgegateway/influx-hub-token] [--reader-token-file /etc/edgegateway/influx-reader-token]
#
# Needs the influxdb3 CLI and jq. Not exercised by the test suite (InfluxDB 3 is not packaged by Debian).
# --admin-token-file   the admin token (`influxdb3 create token --admin` once, on the server)
# Tokens: InfluxDB 3 Enterprise grants per database (--permission "db:NAME:read,write"); InfluxDB 3 Core has admin
# tokens only — there the hub uses an admin token and the script says so. Downsampling: InfluxDB 3 has no
# continuous queries or Flux tasks; its processing engine does it with the Downsampler plugin of InfluxData's
# plugin library (a scheduled trigger, every:1h, from edge into edge_trends) — see deploy/README.md.
set -euo pipefail

host=http://127.0.0.1:8181
database=edge
trends_database=edge_trends
raw_retention=400d
trends_retention=none
admin_token_file=/etc/edgegateway/influx-admin-token
hub_token_file=/etc/edgegateway/influx-hub-token
reader_token_file=/etc/edgegateway/influx-reader-token

die() {
  echo "provision-v3: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=${2:?--host needs a URL}; shift 2 ;;
    --database) database=${2:?--database needs a name}; shift 2 ;;
    --trends-database) trends_database=${2:?--trends-database needs a name}; shift 2 ;;
    --raw-retention) raw_retention=${2:?--raw-retention needs a duration}; shift 2 ;;
    --trends-retention) trends_retention=${2:?--trends-retention needs a duration}; shift 2 ;;
    --admin-token-file) admin_token_file=${2:?--admin-token-file needs a file}; shift 2 ;;
    --hub-token-file) hub_token_file=${2:?--hub-token-file needs a file}; shift 2 ;;
    --reader-token-file) reader_token_file=${2:?--reader-token-file needs a file}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
for tool in influxdb3 jq; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
for name in "$database" "$trends_database"; do
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$ ]] || die "'$name' is not a database name"
done
for d in "$raw_retention" "$trends_retention"; do
  [[ $d =~ ^([0-9]+(h|d|w)|none)$ ]] || die "retention '$d' must be like 90d, 400d, or none (forever)"
done
[ -s "$admin_token_file" ] || die "--admin-token-file $admin_token_file: make one with 'influxdb3 create token --admin' on the server"

umask 077
# The CLI reads host and token from the environment: the token is on no command line.
export INFLUXDB3_HOST_URL="${host%/}"
INFLUXDB3_AUTH_TOKEN=$(head -n 1 "$admin_token_file" | tr -d '\r\n')
export INFLUXDB3_AUTH_TOKEN

existing=$(influxdb3 show databases --format json | jq -r '.[] | (.["iox::database"] // .database // .name // empty)')
ensure_database() { # name, retention
  local retention=()
  [ "$2" = none ] || retention=(--retention-period "$2")
  if grep -qxF -- "$1" <<<"$existing"; then
    if [ "$2" != none ]; then
      influxdb3 update database --retention-period "$2" "$1" >/dev/null \
        || echo "warning: could not set the retention of $1 (this InfluxDB 3 may not support changing it)" >&2
    fi
    echo "database $1: retention $2"
  else
    influxdb3 create database "${retention[@]}" "$1" >/dev/null
    echo "created database $1 (retention $2)"
  fi
}
ensure_database "$database" "$raw_retention"
ensure_database "$trends_database" "$trends_retention"

make_token() { # file, name, permission...
  local file=$1 name=$2
  shift 2
  if [ -s "$file" ]; then
    echo "token file $file exists: kept"
    return
  fi
  local permissions=()
  for p in "$@"; do permissions+=(--permission "$p"); done
  if ! influxdb3 create token "${permissions[@]}" --name "$name" --format json >"$file.json" 2>"$file.err"; then
    rm -f "$file.json"
    echo "no token $name: $(cat "$file.err") — InfluxDB 3 Core has admin tokens only; give the hub an admin token" >&2
    rm -f "$file.err"
    return
  fi
  rm -f "$file.err"
  jq -r '.token' "$file.json" >"$file"
  rm -f "$file.json"
  echo "made token $name in $file"
}
make_token "$hub_token_file" edgegateway-hub "db:$database:read,write" "db:$trends_database:read"
make_token "$reader_token_file" edgegateway-reader "db:$database,$trends_database:read"

echo "InfluxDB 3 at $host: databases $database ($raw_retention) and $trends_database ($trends_retention) provisioned"
