#!/usr/bin/env bash
# The whole EdgeGateway stack on this machine, on loopback only, for evaluation and demos: Mosquitto with the
# production configuration (TLS, accounts, ACL: deploy/mosquitto), InfluxDB 1.x provisioned by
# deploy/influxdb/provision-v1.sh, the hub with its web console, and two simulated gateways (the demo shed
# linzi-demo-001/gw-01 and deploy/dev/site-b.yaml, zhangdian-demo-002/gw-02) — each a process of its own, started
# from the Debian packages and this repository's build. Everything lives in the state directory; down.sh stops it.
#
#   deploy/dev/up.sh [--state-dir DIR] [--mqtt-port 18883] [--influx-port 18086] [--influx-rpc-port 18088]
#       [--http-port 8480] [--history-hours 24] [--history-speed 60] [--speed 1] [--configuration Release]
#       [--no-build] [--no-install] [--timeout 120]
#
# --state-dir      default ${XDG_STATE_HOME:-~/.local/state}/edgegateway-dev: certificates, passwords, data, logs
#                  (logs/*.log), pids/ — run up.sh again on the same directory and the data is still there
# --history-hours N  each gateway first plays N hours of its shed at --history-speed (60x: a day in 24 minutes) so
#                  that the console's trends have days to show, then runs live at --speed; 0: live only. The replay
#                  is timed to end at the present (it starts N hours minus its own duration ago), so the live phase
#                  follows without a gap; until it ends the board marks each gateway "在线·无新数据" (online, no new
#                  data) rather than "在线" beside a last report hours ago, and the ports' 6 h charts fill as it
#                  reaches them (about 18 minutes in, for the defaults)
# --no-build       use the existing build (src/*/bin/CONFIGURATION/net10.0) instead of `dotnet build`
# --no-install     never apt-get install (Mosquitto, InfluxDB, openssl, curl must be there)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=${XDG_STATE_HOME:-$HOME/.local/state}/edgegateway-dev
mqtt_port=18883
influx_port=18086
influx_rpc_port=18088
http_port=8480
history_hours=24
history_speed=60
speed=1
configuration=Release
build=true
install=true
timeout=120

die() {
  echo "up: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) state=${2:?--state-dir needs a directory}; shift 2 ;;
    --mqtt-port) mqtt_port=${2:?--mqtt-port needs a port}; shift 2 ;;
    --influx-port) influx_port=${2:?--influx-port needs a port}; shift 2 ;;
    --influx-rpc-port) influx_rpc_port=${2:?--influx-rpc-port needs a port}; shift 2 ;;
    --http-port) http_port=${2:?--http-port needs a port}; shift 2 ;;
    --history-hours) history_hours=${2:?--history-hours needs a number}; shift 2 ;;
    --history-speed) history_speed=${2:?--history-speed needs a number}; shift 2 ;;
    --speed) speed=${2:?--speed needs a number}; shift 2 ;;
    --configuration) configuration=${2:?--configuration needs Release or Debug}; shift 2 ;;
    --no-build) build=false; shift ;;
    --no-install) install=false; shift ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
for port in "$mqtt_port" "$influx_port" "$influx_rpc_port" "$http_port"; do
  { [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ]; } || die "'$port' is not a port"
done
[ "$(printf '%s\n' "$mqtt_port" "$influx_port" "$influx_rpc_port" "$http_port" | sort -u | wc -l)" -eq 4 ] || die "the four ports must differ"
[[ $history_hours =~ ^[0-9]+$ ]] || die "--history-hours: '$history_hours' is not a number of hours"
[[ $history_speed =~ ^[0-9]+(\.[0-9]+)?$ && $speed =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--speed and --history-speed are numbers"
[[ $configuration =~ ^(Release|Debug)$ ]] || die "--configuration: Release or Debug"
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout: seconds"

mkdir -p "$state"
state=$(cd "$state" && pwd)
pids="$state/pids"
logs="$state/logs"

# --- already up? --------------------------------------------------------------------------------------------------
alive() { # pid file: the process it names is running and is ours (its command line names the state directory)
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] \
    && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$state"
}
if [ -d "$pids" ]; then
  running=0
  for file in "$pids"/*.pid; do
    [ -e "$file" ] || continue
    if alive "$file"; then running=$((running + 1)); else rm -f "$file"; fi
  done
  if [ "$running" -gt 0 ]; then
    die "$running processes of the dev stack in $state are running: deploy/dev/down.sh --state-dir $state first"
  fi
fi

# --- what it needs ------------------------------------------------------------------------------------------------
need=()
[ -x /usr/sbin/mosquitto ] && command -v mosquitto_passwd >/dev/null 2>&1 || need+=(mosquitto)
[ -x /usr/bin/influxd ] || need+=(influxdb)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v setsid >/dev/null 2>&1 || need+=(util-linux)
# The hub's build restores the console's ECharts from npm (src/EdgeGateway.Hub/package.json).
if $build && ! command -v npm >/dev/null 2>&1; then need+=(npm); fi
if [ ${#need[@]} -gt 0 ]; then
  $install || die "missing: ${need[*]} (Debian packages; without --no-install up.sh installs them as root)"
  [ "$(id -u)" -eq 0 ] || die "missing: ${need[*]}: run as root once, or: sudo apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages start their system-wide services on 1883 and 8086; the dev stack uses its own ports and leaves
  # them as they are.
fi
command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (global.json) is needed to build and run the hub and the gateways"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$mqtt_port" "$influx_port" "$influx_rpc_port" "$http_port"; do
  port_free "$port" || die "port $port on 127.0.0.1 is taken: choose another with the options (--help)"
done

# --- build --------------------------------------------------------------------------------------------------------
hub_dll="$repo/src/EdgeGateway.Hub/bin/$configuration/net10.0/EdgeGateway.Hub.dll"
gateway_dll="$repo/src/EdgeGateway/bin/$configuration/net10.0/EdgeGateway.dll"
if $build; then
  echo "building the hub and the gateway ($configuration) ..."
  for project in EdgeGateway.Hub EdgeGateway; do
    if ! dotnet build "$repo/src/$project" -c "$configuration" -nologo -v quiet >"$state/build.log" 2>&1; then
      cat "$state/build.log" >&2
      die "the build of src/$project failed (above)"
    fi
  done
fi
{ [ -f "$hub_dll" ] && [ -f "$gateway_dll" ]; } || die "no build in src/*/bin/$configuration/net10.0 (leave out --no-build)"

mkdir -p "$pids" "$logs"
umask 077

# Starts a command in a session of its own (so down.sh can stop it and its children as one process group), its
# output appended to logs/NAME.log, its id in pids/NAME.pid.
launch() { # name, command...
  local name=$1
  shift
  echo "--- $(date -u +%FT%TZ) up.sh starts $name" >>"$logs/$name.log"
  setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pids/$name.pid"
}

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what did not come up within ${seconds}s (logs in $logs)"
    sleep 0.3
  done
}

# --- Mosquitto: the production configuration on loopback ----------------------------------------------------------
mqtt="$state/mosquitto"
mkdir -p "$mqtt/data"
"$repo/deploy/mosquitto/make-credentials.sh" --dir "$mqtt/creds" --hub edge-hub --reader watch \
  --gateway linzi-demo-001/gw-01 --gateway zhangdian-demo-002/gw-02 >/dev/null
"$repo/deploy/mosquitto/install.sh" --dir "$mqtt/creds" --conf-dir "$mqtt/conf.d" --port "$mqtt_port" \
  --bind 127.0.0.1 --no-apt --no-service >/dev/null
cat >"$mqtt/mosquitto.conf" <<EOF
# The dev stack's broker: Debian's main file for a state directory; the rest is deploy/mosquitto/edgegateway.conf.
persistence_location $mqtt/data/
log_dest file $logs/mosquitto-broker.log
connection_messages true
# Run as whoever ran up.sh (as root, mosquitto would otherwise switch to the mosquitto user).
user $(id -un)
include_dir $mqtt/conf.d
EOF
launch mosquitto /usr/sbin/mosquitto -c "$mqtt/mosquitto.conf"
wait_for "mosquitto" 15 bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"
echo "mosquitto: mqtts://127.0.0.1:$mqtt_port (TLS, accounts in $mqtt/creds/accounts)"

# --- InfluxDB 1.x -------------------------------------------------------------------------------------------------
influx="$state/influxdb"
mkdir -p "$influx"
cat >"$influx/influxdb.conf" <<EOF
# The dev stack's InfluxDB: loopback only, no authentication (nothing but this machine reaches it).
reporting-disabled = true
reporting-enabled = false
bind-address = "127.0.0.1:$influx_rpc_port"
[meta]
  dir = "$influx/meta"
[data]
  dir = "$influx/data"
  wal-dir = "$influx/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$influx_port"
  auth-enabled = false
  log-enabled = false
[logging]
  level = "warn"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = true
EOF
launch influxd /usr/bin/influxd -config "$influx/influxdb.conf"
wait_for "influxd" 30 curl -sf "http://127.0.0.1:$influx_port/ping"
"$repo/deploy/influxdb/provision-v1.sh" --url "http://127.0.0.1:$influx_port" --database edge --no-users >/dev/null
echo "influxdb: http://127.0.0.1:$influx_port (database edge, provisioned by deploy/influxdb/provision-v1.sh)"

# --- the hub and its console --------------------------------------------------------------------------------------
hub="$state/hub"
mkdir -p "$hub/data"
if [ ! -s "$hub/console-password" ]; then
  openssl rand -hex 6 >"$hub/console-password"
fi
console_password=$(cat "$hub/console-password")
# Two property companies, each running one of the two sheds, and the district (城管) that sees both, read-only
# (src/EdgeGateway.Hub/Tenants/README.md). Kept when it exists: edits made on the console's registry page survive.
if [ ! -s "$hub/tenants.yaml" ]; then
  cat >"$hub/tenants.yaml" <<'EOF'
companies:
  - id: linzi-wuye
    name: 临淄物业
    nameEn: Linzi Property
    sites:
      - id: linzi-demo-001
        name: 临淄区演示充电棚
        nameEn: Linzi demo shed
        address: 山东省淄博市临淄区
  - id: zhangdian-wuye
    name: 张店物业
    nameEn: Zhangdian Property
    sites:
      - id: zhangdian-demo-002
        name: 张店区演示充电棚
        nameEn: Zhangdian demo shed
        address: 山东省淄博市张店区
EOF
fi
users=""
for user in "admin admin - 管理员" \
  "manager manager linzi-wuye 临淄物业-李经理" "maint maintenance linzi-wuye 临淄物业-王师傅" \
  "zd-manager manager zhangdian-wuye 张店物业-赵经理" "zd-maint maintenance zhangdian-wuye 张店物业-刘师傅" \
  "district manager district 城管-张科长" "viewer viewer district 城管-孙科员"; do
  read -r name role company display <<<"$user"
  hash=$("$repo/deploy/hub/hash-password.sh" <<<"$console_password")
  membership=""
  [ "$company" = - ] || membership=", \"Company\": \"$company\""
  users="$users${users:+,}
      \"$name\": { \"PasswordHash\": \"$hash\", \"Role\": \"$role\"$membership, \"DisplayName\": \"${display//-/ }\" }"
done
cat >"$hub/hub.json" <<EOF
{
  "Urls": "http://127.0.0.1:$http_port",
  "Hub": {
    "Broker": "mqtts://127.0.0.1:$mqtt_port",
    "ClientId": "edge-hub",
    "Username": "edge-hub",
    "PasswordFile": "$mqtt/creds/accounts/edge-hub/mqtt-password",
    "CaFile": "$mqtt/creds/ca.crt",
    "DataDirectory": "$hub/data",
    "Influx": { "Url": "http://127.0.0.1:$influx_port", "Api": "V1", "Database": "edge" }
  },
  "Tenants": { "File": "$hub/tenants.yaml" },
  "Console": {
    "Users": {$users
    }
  },
  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning", "MQTTnet": "Warning" } }
}
EOF
launch hub env DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 Logging__Console__FormatterName=simple \
  dotnet "$hub_dll" run --config "$hub/hub.json"
wait_for "the hub" "$timeout" bash -c "curl -sf http://127.0.0.1:$http_port/healthz | grep -q '\"broker_connected\":true'"
echo "hub: http://127.0.0.1:$http_port (console; /healthz)"

# --- two simulated gateways ---------------------------------------------------------------------------------------
gateway() { # name, site file, seed, user
  launch "$1" env DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 Logging__Console__FormatterName=simple \
    EDGEGATEWAY_Mqtt__CaFile="$mqtt/creds/ca.crt" EDGEGATEWAY_Mqtt__Username="$4" \
    EDGEGATEWAY_Mqtt__PasswordFile="$mqtt/creds/accounts/$4/mqtt-password" \
    bash "$here/run-gateway.sh" --state-dir "$state" --name "$1" --site-file "$2" --seed "$3" \
    --broker "mqtts://127.0.0.1:$mqtt_port" --dll "$gateway_dll" \
    --history-minutes $((history_hours * 60)) --history-speed "$history_speed" --speed "$speed"
}
gateway gateway-1 "$repo/firmware-config/sites/demo.yaml" 7 gw-linzi-demo-001-gw-01
gateway gateway-2 "$here/site-b.yaml" 8 gw-zhangdian-demo-002-gw-02
wait_for "the gateways' first messages" "$timeout" bash -c \
  "curl -sf http://127.0.0.1:$http_port/healthz | grep -Eq '\"accepted\":[1-9]'"

cat <<EOF

EdgeGateway dev stack is up (state: $state)
  web console 控制台   http://127.0.0.1:$http_port
  users 用户           password 密码 $console_password for each:
                       admin (admin); manager, maint (临淄物业: linzi-demo-001 only);
                       zd-manager, zd-maint (张店物业: zhangdian-demo-002 only);
                       district (城管 manager: both sheds, read-only), viewer (城管: trends of both)
  sheds 车棚           linzi-demo-001/gw-01, zhangdian-demo-002/gw-02 (simulated$([ "$history_hours" -gt 0 ] && echo "; the last $history_hours hours first, at ${history_speed}x"))
  broker               mqtts://127.0.0.1:$mqtt_port — watch it:
                       mosquitto_sub -h 127.0.0.1 -p $mqtt_port --cafile $mqtt/creds/ca.crt -u watch -P "\$(cat $mqtt/creds/accounts/watch/mqtt-password)" -t 'edge/v1/#' -v
  influxdb             http://127.0.0.1:$influx_port, database edge
  logs                 $logs
Stop everything: deploy/dev/down.sh --state-dir $state
EOF
