#!/usr/bin/env bash
# The whole test suite, set up from nothing but the .NET SDK and Node.js (README's second command; .ci/run calls it).
#
#   ./test.sh                 installs what the suite needs (Debian packages), then runs every test
#   ./test.sh --fast          no servers, browsers or emulators: skips the tests in Category=Servers (nothing installed)
#   ./test.sh --no-install    runs every test, but only says what is missing instead of installing it
#   ./test.sh --cpu-load N    the same with N CPU-bound workers (Debian's stress-ng) running beside the suite for all
#                             of it: the suite's verdicts must not depend on how busy the machine is
#   ./test.sh -- ARGS…        passes ARGS to `dotnet test` (e.g. -- --filter FullyQualifiedName~Outbox)
#
# It ends with one line for the whole suite: `N passed, N failed, N skipped` (summed over the test assemblies), and
# exits non-zero when a test failed or something needed could not be had. docs/testing.md says what each part takes.
set -euo pipefail
cd "$(dirname "$0")"

fast=false
install=true
cpu_load=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=true ;;
    --no-install) install=false ;;
    --cpu-load)
      shift
      case "${1:-}" in ''|*[!0-9]*) echo "test.sh: --cpu-load needs a number of workers" >&2; exit 2 ;; esac
      cpu_load=$1 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (see ./test.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Every .NET process of the run (the compiler, test hosts, the hubs and gateways the tests start) without tiered PGO:
# the suite is CPU-bound on two cores, and its processes are short-lived, so the instrumented tier's extra JIT work is
# never paid back (the same test classes took 10.9 instead of 12.4 CPU-seconds; docs/testing.md). The gateway ships
# with TieredPGO off already (src/EdgeGateway/EdgeGateway.csproj); no behaviour depends on it.
export DOTNET_TieredPGO=0

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK is needed (global.json: 10.0.100 or later): https://dot.net" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  # The hub's build restores ECharts from npm (src/EdgeGateway.Hub/package-lock.json).
  echo "test.sh: Node.js with npm is needed (the hub's build restores its web console's packages with npm ci)" >&2
  exit 1
fi

# What the tests start on loopback or run, each from Debian's packages (package: why):
#   mosquitto, mosquitto-clients, openssl  real brokers on free ports, their clients, the test CA and certificates
#   influxdb, victoria-metrics             the hub's storage tests (InfluxDB 1.x v1 API, VictoriaMetrics v2 write API)
#   curl                                   the deploy scripts' readiness probes
#   chromium, fonts-wqy-microhei           the console's browser tests (Playwright on Debian's Chromium) and Chinese
#                                          text in their screenshots
#   qemu-user-static, libc6-arm64-cross,   the linux-arm64 bundle that ships to a Raspberry Pi, run under emulation
#   libstdc++6-arm64-cross
#   clang-14, binutils-aarch64-linux-gnu,  that bundle's Native AOT build: clang links it for arm64 with the cross
#   libc6-dev-arm64-cross,                 linker, objcopy, C library and libgcc (deploy/gateway/build-bundle.sh)
#   libgcc-12-dev-arm64-cross
#   systemd, shellcheck                    every unit verified with systemd-analyze; every deploy script linted
#   util-linux                             script(1) gives the gateway a terminal for its live table
#   lintian, fakeroot                      the Debian packages of deploy/package checked by Debian's own linter, and
#                                          installed with their maintainer scripts into a throwaway root (dpkg --root)
missing=()
want() { # package, test that says it is there
  local package=$1; shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
if ! $fast; then
  want mosquitto test -x /usr/sbin/mosquitto
  want mosquitto command -v mosquitto_passwd
  want mosquitto-clients command -v mosquitto_sub
  want openssl command -v openssl
  want curl command -v curl
  want influxdb test -x /usr/bin/influxd
  want victoria-metrics test -x /usr/bin/victoria-metrics
  want chromium test -x /usr/bin/chromium
  want fonts-wqy-microhei test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  want qemu-user-static test -x /usr/bin/qemu-aarch64-static
  want libc6-arm64-cross test -e /usr/aarch64-linux-gnu/lib/libc.so.6
  want libstdc++6-arm64-cross test -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6
  command -v clang >/dev/null 2>&1 || want clang-14 command -v clang-14
  want binutils-aarch64-linux-gnu command -v aarch64-linux-gnu-objcopy
  want libc6-dev-arm64-cross test -e /usr/aarch64-linux-gnu/lib/crt1.o
  want libgcc-12-dev-arm64-cross test -e /usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a
  want shellcheck command -v shellcheck
  want systemd command -v systemd-analyze
  want util-linux command -v script
  want lintian command -v lintian
  want fakeroot command -v fakeroot
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')
fi
if [ "$cpu_load" -gt 0 ]; then
  want stress-ng command -v stress-ng
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else as_root=(none); fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! $install || [ "${as_root[*]}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: the full suite needs these Debian packages, which are not installed: ${missing[*]}" >&2
    echo "         install them with:  sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "         or run only the tests that need none of them:  ./test.sh --fast" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq >/dev/null
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The packages may have started their system-wide daemons (mosquitto on 1883, influxd on 8086 and 8088,
# victoria-metrics on 8428); the tests run their own servers on free ports, so stop those, and only those (service,
# or the pid file's process when its name matches: never a parallel run's servers).
stop_daemon() { # service, pid file, process name as /proc/PID/comm shows it (15 characters at most)
  if command -v systemctl >/dev/null 2>&1; then "${as_root[@]}" systemctl stop "$1" >/dev/null 2>&1 || true; fi
  "${as_root[@]}" service "$1" stop >/dev/null 2>&1 || true
  local daemon
  daemon=$(cat "$2" 2>/dev/null || true)
  if [ -n "$daemon" ] && [ "$(cat "/proc/$daemon/comm" 2>/dev/null)" = "$3" ]; then
    "${as_root[@]}" kill "$daemon" 2>/dev/null || true
  fi
}
if ! $fast && [ "${as_root[*]}" != none ]; then
  stop_daemon mosquitto /run/mosquitto/mosquitto.pid mosquitto
  stop_daemon influxdb /run/influxdb/influxd.pid influxd
  stop_daemon victoria-metrics /run/victoria-metrics/victoria-metrics.pid victoria-metric
fi

filter=()
if $fast; then
  filter=(--filter "Category!=Servers")
fi

started=$SECONDS
logs=$(mktemp -d)
load_pid=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; fi
  rm -rf "$logs"
}
trap cleanup EXIT
if [ "$cpu_load" -gt 0 ]; then
  echo "test.sh: $cpu_load CPU-bound workers (stress-ng --cpu $cpu_load) run beside the suite"
  stress-ng --cpu "$cpu_load" --timeout 2h --quiet &
  load_pid=$!
fi

# One build of the whole solution, then every test project at once, each in its own process: most of the suite waits
# on servers and processes it started, so the projects overlap well on two cores (run one after another, as
# `dotnet test EdgeGateway.sln` does, they took twice as long). Each project's output is printed when it ends.
set +e
dotnet build EdgeGateway.sln 2>&1 | tee "$logs/build.log"
built=${PIPESTATUS[0]}
set -e
if [ "$built" -ne 0 ]; then
  echo "test.sh: the build failed (above); no test was run" >&2
  exit "$built"
fi

mapfile -t projects < <(grep -oE '"tests\\[^"]+\.Tests\.csproj"' EdgeGateway.sln | tr -d '"' | tr '\134' / | sort)
pids=()
for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" --no-build "${filter[@]}" "${extra[@]}" >"$logs/$name.log" 2>&1 &
  pids+=("$!:$name")
done
status=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*}
  name=${entry#*:}
  if ! wait "$pid"; then status=1; fi
  echo "---- $name"
  cat "$logs/$name.log"
done

# One closing line for the whole suite, summed over the test assemblies' own summaries.
cat "$logs"/*.Tests.log | awk -v took=$((SECONDS - started)) '
  /(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") { gsub(",", "", $(i+1)); failed += $(i+1) }
      if ($i == "Passed:") { gsub(",", "", $(i+1)); passed += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); skipped += $(i+1) }
    }
  }
  END {
    printf "test.sh: %d min %d s\n", took / 60, took % 60
    printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
  }
'
exit "$status"
