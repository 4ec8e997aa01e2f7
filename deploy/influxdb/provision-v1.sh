#!/usr/bin/env bash
# Provisions InfluxDB 1.x for the EdgeGateway hub (src/EdgeGateway.Hub/README.md, "Storage schema"): the database,
# its retention policies, the continuous queries that keep hourly aggregates for long-term trends, and
# least-privilege users. Idempotent: run it again to change a retention or after an upgrade.
#
#   deploy/influxdb/provision-v1.sh [--url http://127.0.0.1:8086] [--database edge] [--raw-retention 400d]
#       [--trends-retention INF] [--resample-for 6h] [--backfill-days N]
#       [--admin-user NAME --admin-password-file FILE] [--hub-user edge-hub --hub-password-file FILE]
#       [--reader-user edge-reader --reader-password-file FILE] [--no-users] [--ca-file FILE]
#
# Retention policies (the same names as the 2.x DBRP mappings of provision-v2.sh, so InfluxQL reads alike):
#   autogen  DEFAULT, --raw-retention (400d): every point the hub writes. The console's trends (up to 366 days)
#            read these raw points: keep it at least as long as the longest trend you want to see there.
#   trends   --trends-retention (INF): hourly aggregates written by the continuous queries below —
#            port_1h, session_1h, alarm_1h, bin_1h, gateway_1h — for years of history at a small cost.
# Continuous queries run every hour and recompute the last --resample-for (6h), so points a gateway delivers late
# (its outbox drains after a reconnect) are counted. --backfill-days N computes the aggregates of the last N days
# now (after an outage longer than --resample-for, or once after the first install over existing data).
#
# Users (when the server has auth-enabled = true; harmless when it has not):
#   --admin-user  used to connect; on a server without any user yet it is created (InfluxDB allows the first
#                 admin without authentication); its password file is made (random) when missing
#   hub user      READ and WRITE on the database: the hub writes points and its console reads them (Hub:Influx:
#                 Username / Hub:Influx:PasswordFile)
#   reader user   READ only: dashboards, reports, anything that only reads
#   Missing password files are made with a random password (mode 0600). --no-users skips all of it.
set -euo pipefail

url=http://127.0.0.1:8086
database=edge
raw_retention=400d
trends_retention=INF
resample_for=6h
backfill_days=0
admin_user=""
admin_password_file=""
hub_user=edge-hub
hub_password_file=/etc/edgegateway/influx-hub-password
reader_user=edge-reader
reader_password_file=/etc/edgegateway/influx-reader-password
users=true
ca_file=""

die() {
  echo "provision-v1: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --url) url=${2:?--url needs a URL}; shift 2 ;;
    --database) database=${2:?--database needs a name}; shift 2 ;;
    --raw-retention) raw_retention=${2:?--raw-retention needs a duration}; shift 2 ;;
    --trends-retention) trends_retention=${2:?--trends-retention needs a duration}; shift 2 ;;
    --resample-for) resample_for=${2:?--resample-for needs a duration}; shift 2 ;;
    --backfill-days) backfill_days=${2:?--backfill-days needs a number}; shift 2 ;;
    --admin-user) admin_user=${2:?--admin-user needs a name}; shift 2 ;;
    --admin-password-file) admin_password_file=${2:?--admin-password-file needs a file}; shift 2 ;;
    --hub-user) hub_user=${2:?--hub-user needs a name}; shift 2 ;;
    --hub-password-file) hub_password_file=${2:?--hub-password-file needs a file}; shift 2 ;;
    --reader-user) reader_user=${2:?--reader-user needs a name}; shift 2 ;;
    --reader-password-file) reader_password_file=${2:?--reader-password-file needs a file}; shift 2 ;;
    --no-users) users=false; shift ;;
    --ca-file) ca_file=${2:?--ca-file needs a file}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done

command -v curl >/dev/null 2>&1 || die "curl is required (Debian: apt-get install curl)"
[[ $url =~ ^https?://[^/]+/?$ ]] || die "--url: '$url' must be http(s)://host:port"
url=${url%/}
ident='^[A-Za-z0-9_-]{1,64}$'
[[ $database =~ $ident ]] || die "--database: '$database' must be 1-64 of A-Z a-z 0-9 _ -"
duration='^([0-9]+(h|d|w)|INF)$'
for d in "$raw_retention" "$trends_retention"; do
  [[ $d =~ $duration ]] || die "retention '$d' must be like 90d, 400d, 52w or INF"
done
[[ $resample_for =~ ^[0-9]+h$ ]] || die "--resample-for: '$resample_for' must be hours, like 6h"
[[ $backfill_days =~ ^[0-9]+$ ]] || die "--backfill-days: '$backfill_days' is not a number"
if $users; then
  for u in "$hub_user" "$reader_user" ${admin_user:+"$admin_user"}; do
    [[ $u =~ $ident ]] || die "user name '$u' must be 1-64 of A-Z a-z 0-9 _ -"
  done
fi
if [ -n "$admin_user" ] && [ -z "$admin_password_file" ]; then
  die "--admin-user needs --admin-password-file"
fi

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/curl.conf"

first_line() { head -n 1 "$1" | tr -d '\r\n'; }

make_password_file() { # file
  if [ ! -s "$1" ]; then
    mkdir -p "$(dirname "$1")"
    (umask 077 && openssl rand -hex 24 >"$1")
    echo "made password file $1"
  fi
}

# An InfluxQL string literal: quotes and backslashes escaped.
literal() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }

# Runs one statement (POST /query, the statement read by curl from standard input: a password in it is on no
# command line). Prints the JSON answer; fails on an HTTP error or an error in the answer.
influxql() { # statement [accept]
  local answer status
  answer=$(printf '%s' "$1" | curl -sS -K "$work/curl.conf" ${ca_file:+--cacert "$ca_file"} \
    -H "Accept: ${2:-application/json}" -w '\n%{http_code}' --data-urlencode 'q@-' "$url/query") \
    || die "InfluxDB at $url is not reachable"
  status=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [ "$status" != 200 ] || [[ $answer == *'"error":'* ]]; then
    echo "provision-v1: $url answered $status to: ${1%%WITH PASSWORD*}" >&2
    echo "$answer" >&2
    return 1
  fi
  printf '%s\n' "$answer"
}

# SHOW statements as CSV rows without the header: name,tags,columns...
show() { influxql "$1" application/csv | tail -n +2; }

status=$(curl -sS -o /dev/null -w '%{http_code}' ${ca_file:+--cacert "$ca_file"} "$url/ping") || status=000
[ "$status" = 204 ] || die "no InfluxDB at $url (GET /ping answered $status)"

# --- authentication: the admin user (created on a server that has no user yet) ------------------------------------
if $users && [ -n "$admin_user" ]; then
  make_password_file "$admin_password_file"
  printf 'user = "%s:%s"\n' "$admin_user" "$(first_line "$admin_password_file")" >"$work/curl.conf"
  if ! show "SHOW USERS" >"$work/users" 2>/dev/null; then
    # Refused: either a wrong password, or no user at all yet (then CREATE USER ... ALL PRIVILEGES is allowed).
    : >"$work/curl.conf"
    influxql "CREATE USER \"$admin_user\" WITH PASSWORD $(literal "$(first_line "$admin_password_file")") WITH ALL PRIVILEGES" >/dev/null \
      || die "cannot sign in as $admin_user, and the server already has users: check --admin-password-file"
    printf 'user = "%s:%s"\n' "$admin_user" "$(first_line "$admin_password_file")" >"$work/curl.conf"
    echo "created admin user $admin_user"
  fi
fi

# --- database and retention policies -------------------------------------------------------------------------------
influxql "CREATE DATABASE \"$database\"" >/dev/null
show "SHOW RETENTION POLICIES ON \"$database\"" >"$work/rps"
rp_exists() { awk -F, -v rp="$1" '$3 == rp { found = 1 } END { exit !found }' "$work/rps"; }
rp() { # name, duration, default?
  local verb=CREATE
  rp_exists "$1" && verb=ALTER
  local statement="$verb RETENTION POLICY \"$1\" ON \"$database\" DURATION $2"
  [ "$verb" = CREATE ] && statement="$statement REPLICATION 1"
  [ "$3" = default ] && statement="$statement DEFAULT"
  influxql "$statement" >/dev/null
  echo "retention policy $database.$1: $2${3:+ ($3)}"
}
rp autogen "$raw_retention" default
rp trends "$trends_retention" ""

# --- continuous queries: hourly aggregates into the trends policy ---------------------------------------------------
# name | aggregates | source measurement | condition | target measurement
cq_definitions() {
  cat <<'EOF'
port_1h|mean("power_w") AS "power_w_mean", max("power_w") AS "power_w_max", mean("voltage_v") AS "voltage_v_mean", min("voltage_v") AS "voltage_v_min", max("voltage_v") AS "voltage_v_max", spread("lifetime_energy_wh") AS "energy_wh", max("lifetime_energy_wh") AS "lifetime_energy_wh", count("seq") AS "samples"|port||port_1h
port_charging_1h|count("seq") AS "charging_samples"|port|"state" = 'charging'|port_1h
session_1h|count("energy_wh") AS "sessions", sum("energy_wh") AS "energy_wh", sum("duration_s") AS "duration_s", max("peak_power_w") AS "peak_power_w"|session||session_1h
alarm_1h|count("alarm_id") AS "raised"|alarm|"event" = 'raised'|alarm_1h
bin_1h|mean("fill_pct") AS "fill_pct_mean", max("fill_pct") AS "fill_pct_max", max("temperature_c") AS "temperature_c_max", mean("weight_kg") AS "weight_kg_mean", count("seq") AS "samples"|bin||bin_1h
gateway_1h|count("seq") AS "status_messages", max("outbox_depth") AS "outbox_depth_max", sum("seq_missing") AS "seq_missing"|gateway||gateway_1h
EOF
}

select_into() { # aggregates, source, condition, target, extra time condition
  local where=""
  if [ -n "$3" ] && [ -n "$5" ]; then where=" WHERE $3 AND $5"; elif [ -n "$3$5" ]; then where=" WHERE $3$5"; fi
  printf 'SELECT %s INTO "%s"."trends"."%s" FROM "%s"."autogen"."%s"%s GROUP BY time(1h), *' "$1" "$database" "$4" "$database" "$2" "$where"
}

show "SHOW CONTINUOUS QUERIES" >"$work/cqs"
while IFS='|' read -r name aggregates source condition target; do
  # The database's own queries: rows "name,,cq name,query" after a row naming the database.
  if awk -F, -v db="$database" -v cq="$name" '$1 == db && $3 == cq { found = 1 } END { exit !found }' "$work/cqs"; then
    influxql "DROP CONTINUOUS QUERY \"$name\" ON \"$database\"" >/dev/null
  fi
  influxql "CREATE CONTINUOUS QUERY \"$name\" ON \"$database\" RESAMPLE EVERY 1h FOR $resample_for BEGIN $(select_into "$aggregates" "$source" "$condition" "$target" "") END" >/dev/null
  echo "continuous query $name: hourly into $database.trends.$target"
done < <(cq_definitions)

if [ "$backfill_days" -gt 0 ]; then
  while IFS='|' read -r name aggregates source condition target; do
    influxql "$(select_into "$aggregates" "$source" "$condition" "$target" "time >= now() - ${backfill_days}d")" >/dev/null
    echo "backfilled $target ($name) over the last $backfill_days days"
  done < <(cq_definitions)
fi

# --- least-privilege users -----------------------------------------------------------------------------------------
if $users; then
  show "SHOW USERS" >"$work/users"
  user_row() { # name, password file, privilege
    make_password_file "$2"
    if awk -F, -v u="$1" '$3 == u { found = 1 } END { exit !found }' "$work/users"; then
      influxql "SET PASSWORD FOR \"$1\" = $(literal "$(first_line "$2")")" >/dev/null
    else
      influxql "CREATE USER \"$1\" WITH PASSWORD $(literal "$(first_line "$2")")" >/dev/null
      echo "created user $1"
    fi
    influxql "GRANT $3 ON \"$database\" TO \"$1\"" >/dev/null
    echo "user $1: $3 on $database (password in $2)"
  }
  user_row "$hub_user" "$hub_password_file" ALL
  user_row "$reader_user" "$reader_password_file" READ
fi

echo "InfluxDB $url: database $database provisioned"
