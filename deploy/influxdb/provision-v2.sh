#!/usr/bin/env bash
# Provisions InfluxDB 2.x for the EdgeGateway hub: the initial setup when the server has none (organization, admin
# user, operator token), the raw bucket and the trends bucket with their retention, the DBRP mappings that let the
# hub's console read both with InfluxQL (/query: edge.autogen -> the raw bucket, edge.trends -> the trends bucket,
# the same names as InfluxDB 1.x in provision-v1.sh), the hourly downsampling task (edge-trends-1h.flux), and two
# least-privilege API tokens. Idempotent: run it again to change a retention or the task.
#
#   deploy/influxdb/provision-v2.sh [--host http://127.0.0.1:8086] [--org edge] [--bucket edge]
#       [--trends-bucket edge_trends] [--raw-retention 400d] [--trends-retention 0] [--resample-for 6h]
#       [--admin-user admin] [--admin-password-file FILE] [--admin-token-file FILE]
#       [--hub-token-file /etc/edgegateway/influx-hub-token] [--reader-token-file /etc/edgegateway/influx-reader-token]
#
# Needs the influx CLI 2.x (influx), curl and jq. Not exercised by the test suite (InfluxDB 2.x is not packaged
# by Debian); every step is an `influx` CLI or /api/v2 call of the InfluxDB 2.7 reference.
#
# --admin-token-file   an operator or all-access token to administer with. On a server never set up, the setup is
#                      done here (POST /api/v2/setup, the password from --admin-password-file, made when missing) and
#                      the operator token it returns is written to this file (mode 0600; keep it offline).
# --trends-retention 0 keeps the hourly aggregates forever.
# Tokens (made once; their files are never overwritten — InfluxDB 2.9+ stores only hashes, so a lost token file
# means a new token: delete the file and run again, then delete the old token with `influx auth delete`):
#   hub token     write the raw bucket, read both buckets: the hub ingests and its console reads (Hub:Influx:TokenFile)
#   reader token  read both buckets: dashboards, reports, a console that only reads
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
host=http://127.0.0.1:8086
org=edge
bucket=edge
trends_bucket=edge_trends
raw_retention=400d
trends_retention=0
resample_for=6h
admin_user="admin"
admin_password_file=/etc/edgegateway/influx-admin-password
admin_token_file=/etc/edgegateway/influx-admin-token
hub_token_file=/etc/edgegateway/influx-hub-token
reader_token_file=/etc/edgegateway/influx-reader-token

die() {
  echo "provision-v2: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=${2:?--host needs a URL}; shift 2 ;;
    --org) org=${2:?--org needs a name}; shift 2 ;;
    --bucket) bucket=${2:?--bucket needs a name}; shift 2 ;;
    --trends-bucket) trends_bucket=${2:?--trends-bucket needs a name}; shift 2 ;;
    --raw-retention) raw_retention=${2:?--raw-retention needs a duration}; shift 2 ;;
    --trends-retention) trends_retention=${2:?--trends-retention needs a duration}; shift 2 ;;
    --resample-for) resample_for=${2:?--resample-for needs a duration}; shift 2 ;;
    --admin-user) admin_user=${2:?--admin-user needs a name}; shift 2 ;;
    --admin-password-file) admin_password_file=${2:?--admin-password-file needs a file}; shift 2 ;;
    --admin-token-file) admin_token_file=${2:?--admin-token-file needs a file}; shift 2 ;;
    --hub-token-file) hub_token_file=${2:?--hub-token-file needs a file}; shift 2 ;;
    --reader-token-file) reader_token_file=${2:?--reader-token-file needs a file}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done

for tool in influx curl jq openssl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (influx: the InfluxDB 2.x CLI)"
done
influx version 2>/dev/null | grep -q 'Influx CLI' || die "influx is not the 2.x CLI (Debian's influxdb-client package is the 1.x shell)"
host=${host%/}
ident='^[A-Za-z0-9_-]{1,64}$'
for name in "$org" "$bucket" "$trends_bucket" "$admin_user"; do
  [[ $name =~ $ident ]] || die "'$name' must be 1-64 of A-Z a-z 0-9 _ -"
done
for d in "$raw_retention" "$trends_retention"; do
  [[ $d =~ ^([0-9]+(h|d|w)|0)$ ]] || die "retention '$d' must be like 90d, 400d, 52w, or 0 (forever)"
done
[[ $resample_for =~ ^[0-9]+h$ ]] || die "--resample-for: '$resample_for' must be hours, like 6h"

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
first_line() { head -n 1 "$1" | tr -d '\r\n'; }

curl -sf "$host/health" >/dev/null || die "no InfluxDB at $host (GET /health failed)"

# --- initial setup, on a server that has none -----------------------------------------------------------------------
if curl -sf "$host/api/v2/setup" | jq -e '.allowed == true' >/dev/null; then
  if [ ! -s "$admin_password_file" ]; then
    mkdir -p "$(dirname "$admin_password_file")"
    openssl rand -hex 24 >"$admin_password_file"
    echo "made $admin_password_file"
  fi
  # The request body (with the password) goes through standard input, never a command line.
  jq -n --arg user "$admin_user" --arg password "$(first_line "$admin_password_file")" --arg org "$org" \
    --arg bucket "$bucket" '{username: $user, password: $password, org: $org, bucket: $bucket}' \
    | curl -sf -X POST -H 'Content-Type: application/json' --data-binary @- "$host/api/v2/setup" >"$work/setup.json" \
    || die "the initial setup of $host failed"
  mkdir -p "$(dirname "$admin_token_file")"
  jq -r '.auth.token' "$work/setup.json" >"$admin_token_file"
  echo "set up $host: organization $org, user $admin_user, operator token in $admin_token_file (keep it offline)"
fi
[ -s "$admin_token_file" ] || die "--admin-token-file $admin_token_file: an operator or all-access token is needed"

# The influx CLI reads host, organization and token from the environment: the token is on no command line.
export INFLUX_HOST="$host" INFLUX_ORG="$org"
INFLUX_TOKEN=$(first_line "$admin_token_file")
export INFLUX_TOKEN

# --- buckets --------------------------------------------------------------------------------------------------------
bucket_id() { influx bucket list --name "$1" --json 2>/dev/null | jq -r '.[0].id // empty'; }
ensure_bucket() { # name, retention, description
  local id
  id=$(bucket_id "$1")
  if [ -z "$id" ]; then
    influx bucket create --name "$1" --retention "$2" --description "$3" --json >/dev/null
    id=$(bucket_id "$1")
    echo "created bucket $1 (retention $2)" >&2
  else
    influx bucket update --id "$id" --retention "$2" --json >/dev/null
    echo "bucket $1: retention $2" >&2
  fi
  echo "$id"
}
raw_id=$(ensure_bucket "$bucket" "$raw_retention" "EdgeGateway: every point the hub writes")
trends_id=$(ensure_bucket "$trends_bucket" "$trends_retention" "EdgeGateway: hourly aggregates (task edge-trends-1h)")

# --- DBRP mappings for InfluxQL (the console reads with /query?db=BUCKET) ----------------------------------------
ensure_dbrp() { # rp, bucket id, default?
  local existing
  existing=$(influx v1 dbrp list --db "$bucket" --json 2>/dev/null | jq -r --arg rp "$1" '.[] | select(.retention_policy == $rp) | .id' | head -n 1)
  if [ -n "$existing" ]; then
    influx v1 dbrp update --id "$existing" ${3:+--default} --json >/dev/null 2>&1 || true
    echo "DBRP $bucket.$1 exists"
  else
    influx v1 dbrp create --db "$bucket" --rp "$1" --bucket-id "$2" ${3:+--default} --json >/dev/null
    echo "DBRP $bucket.$1 -> bucket ${2}"
  fi
}
ensure_dbrp autogen "$raw_id" default
ensure_dbrp trends "$trends_id" ""

# --- the downsampling task ------------------------------------------------------------------------------------------
sed -e "s|@RAW@|$bucket|g" -e "s|@TRENDS@|$trends_bucket|g" -e "s|@ORG@|$org|g" -e "s|@RESAMPLE@|$resample_for|g" \
  "$here/edge-trends-1h.flux" >"$work/task.flux"
task_id=$(influx task list --json 2>/dev/null | jq -r '.[] | select(.name == "edge-trends-1h") | .id' | head -n 1)
if [ -n "$task_id" ]; then
  influx task update --id "$task_id" --file "$work/task.flux" --json >/dev/null
  echo "task edge-trends-1h updated"
else
  influx task create --file "$work/task.flux" --json >/dev/null
  echo "task edge-trends-1h created: hourly into $trends_bucket"
fi

# --- least-privilege tokens -----------------------------------------------------------------------------------------
make_token() { # file, description, influx auth create permission flags...
  local file=$1 description=$2
  shift 2
  if [ -s "$file" ]; then
    echo "token file $file exists: kept"
    return
  fi
  mkdir -p "$(dirname "$file")"
  influx auth create --description "$description" "$@" --json | jq -r '.token' >"$file.tmp"
  [ -s "$file.tmp" ] || die "no token came back for $description"
  mv "$file.tmp" "$file"
  echo "made token '$description' in $file"
}
make_token "$hub_token_file" "edgegateway hub: write $bucket, read $bucket and $trends_bucket" \
  --write-bucket "$raw_id" --read-bucket "$raw_id" --read-bucket "$trends_id"
make_token "$reader_token_file" "edgegateway reader: read $bucket and $trends_bucket" \
  --read-bucket "$raw_id" --read-bucket "$trends_id"

echo "InfluxDB $host: organization $org, buckets $bucket ($raw_retention) and $trends_bucket ($trends_retention) provisioned"
