#!/usr/bin/env bash
# Stops the dev stack that deploy/dev/up.sh started in this state directory: the gateways, the hub, InfluxDB and
# Mosquitto, each with SIGTERM to its process group (clean stops: the gateways open their relays and journal their
# open sessions, the broker saves its sessions), SIGKILL after --grace seconds. Only processes listed in STATE/pids
# whose command line names the state directory are signalled: nothing else on the machine, whatever its name. The
# data stays (up.sh continues from it); --purge removes the state directory as well.
#
#   deploy/dev/down.sh [--state-dir DIR] [--grace 20] [--purge]
set -euo pipefail

state=${XDG_STATE_HOME:-$HOME/.local/state}/edgegateway-dev
grace=20
purge=false

die() {
  echo "down: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) state=${2:?--state-dir needs a directory}; shift 2 ;;
    --grace) grace=${2:?--grace needs seconds}; shift 2 ;;
    --purge) purge=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
[[ $grace =~ ^[0-9]+$ ]] || die "--grace: seconds"
if [ ! -d "$state" ]; then
  echo "nothing to stop: no $state"
  exit 0
fi
state=$(cd "$state" && pwd)
pids="$state/pids"

running() { # pid: alive (not a zombie) and ours
  [ -r "/proc/$1/cmdline" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ] \
    && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$state"
}

# Any process still in the group (the gateway's dotnet under its run-gateway.sh, for instance). Read from /proc:
# the fields after the command name (which may hold spaces) are state, parent, process group.
group_alive() { # process group id
  local stat rest fields
  for stat in /proc/[0-9]*/stat; do
    # read, not $(cat): one fork per process made a scan take seconds on a busy machine.
    read -r rest 2>/dev/null <"$stat" || continue
    rest=${rest##*) }
    read -r -a fields <<<"$rest"
    [ "${fields[2]}" = "$1" ] && [ "${fields[0]}" != Z ] && return 0
  done
  return 1
}

stop() { # name
  local file="$pids/$1.pid" pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [[ $pid =~ ^[0-9]+$ ]] && running "$pid"; then
    # up.sh started it with setsid: it leads its own process group, which holds its children too.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while group_alive "$pid" && [ $SECONDS -lt $deadline ]; do
      sleep 0.2
    done
    if group_alive "$pid"; then
      echo "$1 ($pid) did not stop within ${grace}s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
      sleep 0.5
    fi
    echo "stopped $1 ($pid)"
  fi
  rm -f "$file"
}

if [ -d "$pids" ]; then
  # Producers first, the broker last: the gateways' offline status and the hub's last batch still get through.
  for name in gateway-1 gateway-2 hub influxd mosquitto; do
    stop "$name"
  done
  for file in "$pids"/*.pid; do
    [ -e "$file" ] || continue
    stop "$(basename "$file" .pid)"
  done
fi

if $purge; then
  rm -rf "$state"
  echo "removed $state"
fi
echo "dev stack in $state is down"
