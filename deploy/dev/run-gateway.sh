#!/usr/bin/env bash
# One simulated gateway of the dev stack (started by up.sh, stopped by down.sh): first, with --history-minutes N > 0,
# the last N minutes of its shed at --history-speed (the console's trends then have days to show), then the shed live
# from now on at --speed, both publishing to the dev broker with the gateway's account. The process keeps its id
# from one phase to the next (the live phase replaces this script), so down.sh stops it by its pid file.
#
#   run-gateway.sh --state-dir DIR --name NAME --site-file FILE --seed N --broker URL --dll EdgeGateway.dll
#       [--history-minutes N] [--history-speed X] [--speed X]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
history_minutes=0
history_speed=60
speed=1
state="" name="" site_file="" seed="" broker="" dll=""
while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) state=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --site-file) site_file=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --broker) broker=$2; shift 2 ;;
    --dll) dll=$2; shift 2 ;;
    --history-minutes) history_minutes=$2; shift 2 ;;
    --history-speed) history_speed=$2; shift 2 ;;
    --speed) speed=$2; shift 2 ;;
    *) echo "run-gateway: unknown option '$1'" >&2; exit 2 ;;
  esac
done
for value in "$state" "$name" "$site_file" "$seed" "$broker" "$dll"; do
  [ -n "$value" ] || { echo "run-gateway: --state-dir, --name, --site-file, --seed, --broker and --dll are required" >&2; exit 2; }
done

dir="$state/$name"
mkdir -p "$dir"

# China Standard Time (+08:00): arrivals follow the local daily profile. No time zone database needed.
start_at() { date -u -d "@$(($(date -u +%s) + 8 * 3600 - $1))" +%Y-%m-%dT%H:%M:%S+08:00; }

scenario() { # file, start, speed, duration line
  sed -e "s|@START@|$2|" -e "s|@SPEED@|$3|" -e "s|@SEED@|$seed|" -e "s|@DURATION@|$4|" "$here/scenario.yaml" >"$1"
}

run_args=(run --simulate --config "$site_file" --data-dir "$dir/data" --broker "$broker" --lang en)

if [ "$history_minutes" -gt 0 ]; then
  duration=$(printf '%d.%02d:%02d:00' $((history_minutes / 1440)) $((history_minutes / 60 % 24)) $((history_minutes % 60)))
  # The replay takes history_minutes / history_speed of real time: start it that much later than "N minutes ago",
  # so that its last point is the present when it ends and the live phase carries on from there without a gap
  # (and the console's last 6 hours, and its last-seen, are the replay's end, not hours ago).
  replay_s=$(awk -v m="$history_minutes" -v x="$history_speed" 'BEGIN { printf "%d", m * 60 / x }')
  scenario "$dir/history.yaml" "$(start_at $((history_minutes * 60 - replay_s)))" "$history_speed" "duration: \"$duration\""
  echo "$(date -u +%FT%TZ) history: $history_minutes minutes at ${history_speed}x, ending now + ${replay_s}s (when the replay ends)"
  # Not exec: the live phase follows. A stop (SIGTERM to the process group) ends both.
  dotnet "$dll" "${run_args[@]}" --scenario "$dir/history.yaml" || true
fi

scenario "$dir/live.yaml" "$(start_at 0)" "$speed" ""
echo "$(date -u +%FT%TZ) live at ${speed}x"
exec dotnet "$dll" "${run_args[@]}" --scenario "$dir/live.yaml"
