# shellcheck shell=bash disable=SC2034  # the variables set here are the sourcing scripts' to use
# What install.sh, upgrade.sh, rollback.sh and uninstall.sh share: options, paths, the switch between versions.
# Sourced, never run. Every function is safe under `set -euo pipefail`.
#
# Layout on the board (ROOT is / unless --root says otherwise):
#   /opt/edgegateway/releases/VERSION/   a bundle as build-bundle.sh made it (EdgeGateway, its runtime, deploy/)
#   /opt/edgegateway/current  -> releases/VERSION      what the unit runs (ExecStart, ExecStopPost)
#   /opt/edgegateway/previous -> releases/VERSION      what rollback.sh goes back to
#   /etc/edgegateway/site.yaml, gateway.json, mqtt-*   the shed's configuration (kept across versions)
#   /var/lib/edgegateway/                              the outbox and the lockout journal (StateDirectory)
#   /etc/systemd/system/edgegateway.service            copied from the current release's deploy/

EG_SERVICE=edgegateway
EG_USER=edgegateway
EG_GROUPS=(gpio i2c spi)

# Options every script takes (parse_common_option consumes them).
ROOT=""                 # "" means /; paths are "$ROOT/opt/…"
USE_SYSTEMCTL=1
SYSTEMCTL=systemctl
EXEC_WRAPPER=()         # e.g. (qemu-aarch64-static -L /usr/aarch64-linux-gnu) to run an arm64 bundle elsewhere
SETTLE_SECONDS=20       # how long a freshly started version must stay up (two watchdog periods)
BUNDLE=""               # the bundle this script belongs to (deploy/..), or --bundle

say() { printf 'edgegateway: %s\n' "$*"; }
warn() { printf 'edgegateway: warning: %s\n' "$*" >&2; }
# die MESSAGE [EXIT_CODE]
die() {
  printf 'edgegateway: error: %s\n' "$1" >&2
  exit "${2:-1}"
}

# usage: the running script's header comment (from line 2 to `set -euo pipefail`), then the common options.
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
  common_usage
}

common_usage() {
  cat <<'USAGE'
Options every deploy script takes:
  --root DIR          operate on DIR as if it were / (a test root or a mounted SD card); needs --no-systemctl
                      or --systemctl, and skips users, groups, udev and modprobe
  --no-systemctl      do not call systemctl (nothing is stopped or started)
  --systemctl PATH    call PATH instead of systemctl (a stand-in, for tests)
  --exec-wrapper CMD  run the bundle's EdgeGateway through CMD (e.g. "qemu-aarch64-static -L /usr/aarch64-linux-gnu")
  --settle SECONDS    how long a started version must stay active before it counts as up (default 20)
  --bundle DIR        the bundle to install (default: the one this script is in)
USAGE
}

# parse_common_option "$@": handles the option at $1 and sets SHIFT_BY to how many arguments it used (0 when $1 is
# not one of these). Called directly, never in $(…), so that the settings it makes stay.
SHIFT_BY=0
parse_common_option() {
  SHIFT_BY=2
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; ROOT=${ROOT%/} ;;
    --no-systemctl) USE_SYSTEMCTL=0; SHIFT_BY=1 ;;
    --systemctl) SYSTEMCTL=${2:?--systemctl needs a path} ;;
    --exec-wrapper) read -r -a EXEC_WRAPPER <<<"${2:?--exec-wrapper needs a command}" ;;
    --settle) SETTLE_SECONDS=${2:?--settle needs a number of seconds} ;;
    --bundle) BUNDLE=${2:?--bundle needs a directory} ;;
    *) SHIFT_BY=0 ;;
  esac
}

# parse_options OWN_OPTION "$@": the whole command line: the common options, --help, and the script's own options,
# which the function OWN_OPTION handles as parse_common_option does (it sets SHIFT_BY, 0 when $1 is not one of them;
# it runs in the caller's scope, so it can set the caller's locals). OWN_OPTION "" : the script has none.
parse_options() {
  local own_option=$1
  shift
  while [ $# -gt 0 ]; do
    parse_common_option "$@"
    if [ "$SHIFT_BY" -eq 0 ] && [ -n "$own_option" ]; then
      "$own_option" "$@"
    fi
    if [ "$SHIFT_BY" -gt 0 ]; then
      shift "$SHIFT_BY"
      continue
    fi
    case "$1" in
      -h|--help) usage; exit 0 ;;
      *) die "unknown argument '$1' (see --help)" 64 ;;
    esac
  done
}

# parse_only_common_options "$@": the whole command line of a script that takes no options of its own (and --help).
parse_only_common_options() { parse_options "" "$@"; }

# Sets the paths from ROOT and checks the options make sense together. Call once, after parsing.
init_paths() {
  if [ -n "$ROOT" ]; then
    [ -d "$ROOT" ] || die "--root $ROOT is not a directory" 64
    ROOT=$(cd "$ROOT" && pwd)
    [ "$ROOT" != / ] || ROOT=""
  fi
  if [ -n "$ROOT" ] && [ "$USE_SYSTEMCTL" -eq 1 ] && [ "$SYSTEMCTL" = systemctl ]; then
    die "--root needs --no-systemctl (or --systemctl with a stand-in): systemctl would act on this machine's service" 64
  fi
  [[ $SETTLE_SECONDS =~ ^[0-9]+$ ]] || die "--settle takes whole seconds" 64
  OPT="$ROOT/opt/edgegateway"
  RELEASES="$OPT/releases"
  ETC="$ROOT/etc/edgegateway"
  SITE="$ETC/site.yaml"
  UNIT="$ROOT/etc/systemd/system/$EG_SERVICE.service"
  STATE="$ROOT/var/lib/edgegateway"
  UDEV_RULE="$ROOT/etc/udev/rules.d/99-edgegateway.rules"
  MODULES_CONF="$ROOT/etc/modules-load.d/edgegateway.conf"
  WATCHDOG_CONF="$ROOT/etc/systemd/system.conf.d/edgegateway-watchdog.conf"
  REBOOT_MARK="$ROOT/run/edgegateway-reboot-required"
  ROLLED_BACK_MARK="$OPT/rolled-back-from"
  UPGRADE_UNDONE_MARK="$STATE/upgrade-undone"
}

# True when acting on this machine itself (not on --root).
on_this_machine() { [ -z "$ROOT" ]; }

# Root on the real machine; anyone may act on a test root.
require_root() {
  if on_this_machine && [ "$(id -u)" -ne 0 ]; then
    die "run as root: sudo $0 …" 77
  fi
}

# One deploy script at a time (a second one waits up to a minute, then gives up).
take_lock() {
  local lock="$ROOT/run/lock/edgegateway-deploy.lock"
  mkdir -p "$(dirname "$lock")"
  exec 9>"$lock"
  if ! flock -w 60 9; then
    die "another deploy script is still running (lock $lock)" 75
  fi
}

# Finds and checks the bundle: BUNDLE (default the directory above this script's deploy/), its VERSION, its binary.
init_bundle() {
  local script_dir=$1
  if [ -z "$BUNDLE" ]; then
    BUNDLE=$(cd "$script_dir/.." && pwd)
  fi
  [ -d "$BUNDLE" ] || die "bundle $BUNDLE is not a directory" 66
  BUNDLE=$(cd "$BUNDLE" && pwd)
  if [ ! -f "$BUNDLE/VERSION" ]; then
    die "$BUNDLE is not a bundle (no VERSION): run the copy of this script inside a bundle from deploy/gateway/build-bundle.sh" 66
  fi
  VERSION=$(head -n 1 "$BUNDLE/VERSION")
  [[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "$BUNDLE/VERSION holds '$VERSION', not a version" 66
  [ -x "$BUNDLE/EdgeGateway" ] || die "$BUNDLE has no EdgeGateway executable" 66
  if on_this_machine && [ ${#EXEC_WRAPPER[@]} -eq 0 ]; then
    local arch
    arch=$(uname -m)
    if [ "$arch" != aarch64 ]; then
      die "this bundle is for 64-bit ARM (aarch64) and this machine is $arch: a Raspberry Pi 3/4/5 or CM4 with Raspberry Pi OS 64-bit is required" 69
    fi
  fi
}

# A config.txt written by install.sh applies at the next boot; until then the buses it enables are not there.
refuse_while_reboot_pending() {
  if [ -e "$REBOOT_MARK" ]; then
    die "install.sh changed config.txt and the board has not rebooted since: reboot first (sudo reboot)" 75
  fi
}

# gateway DIR ARGS…: runs DIR/EdgeGateway (through the exec wrapper, if any).
gateway() {
  local dir=$1
  shift
  "${EXEC_WRAPPER[@]}" "$dir/EdgeGateway" "$@"
}

# check_site VERSION RELEASE_DIR SITE_FILE: the release's own check-config on the site file (the version that will
# run it decides whether it is valid); its messages go to the terminal.
check_site() {
  local version=$1 dir=$2 site=$3
  say "checking $site with EdgeGateway $version"
  if gateway "$dir" check-config "$site"; then
    return 0
  fi
  return 1
}

# require_installed CURRENT [HINT]: dies (exit 64) when no version is installed (CURRENT, current's version, is empty).
require_installed() {
  [ -n "$1" ] || die "EdgeGateway is not installed here ($OPT/current is missing)${2:+: $2}" 64
}

# require_installed_site [HINT]: dies (exit 64) when there is no installed site file.
require_installed_site() {
  [ -f "$SITE" ] || die "no site file at $SITE${1:+: $1}" 64
}

# check_installed_site VERSION RELEASE_DIR CURRENT: check_site on the installed site file before switching from
# CURRENT to VERSION; when VERSION refuses it, nothing changes and the script ends (exit 2).
check_installed_site() {
  local version=$1 dir=$2 current=$3
  if ! check_site "$version" "$dir" "$SITE"; then
    die "EdgeGateway $version refuses the installed site file (above): not switching, $current keeps running" 2
  fi
}

# The block install.sh writes into config.txt starts with a line that starts with BOOT_BLOCK_BEGIN and ends with
# the line BOOT_BLOCK_END.
BOOT_BLOCK_BEGIN="# >>> edgegateway"
BOOT_BLOCK_END="# <<< edgegateway"

# boot_config_file [CONFIG_TXT]: CONFIG_TXT, or the board's config.txt (Bookworm's /boot/firmware, else /boot).
boot_config_file() {
  local config=$1
  if [ -z "$config" ]; then
    config="$ROOT/boot/firmware/config.txt"
    [ -f "$config" ] || config="$ROOT/boot/config.txt"
  fi
  printf '%s\n' "$config"
}

# without_boot_block CONFIG_TXT: CONFIG_TXT without install.sh's block and without the blank lines then left at its end.
without_boot_block() {
  awk -v begin="$BOOT_BLOCK_BEGIN" -v end="$BOOT_BLOCK_END" '
    index($0, begin) == 1 { skipping = 1; next }
    skipping && $0 == end { skipping = 0; next }
    !skipping { print }
  ' "$1" | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'
}

# svc ARGS…: systemctl, or its stand-in, or nothing (--no-systemctl).
svc() {
  if [ "$USE_SYSTEMCTL" -eq 1 ]; then
    "$SYSTEMCTL" "$@"
  else
    say "(--no-systemctl: not running systemctl $*)"
  fi
}

# link_target NAME: the version current/previous points at, or nothing.
link_target() {
  local link="$OPT/$1"
  if [ -L "$link" ]; then
    basename "$(readlink "$link")"
  fi
}

# set_link NAME VERSION: points current/previous at releases/VERSION in one rename (never a moment without it).
set_link() {
  local name=$1 version=$2
  ln -sfn "releases/$version" "$OPT/.$name.new"
  mv -Tf "$OPT/.$name.new" "$OPT/$name"
}

# put_file MODE OWNER SOURCE DEST: installs SOURCE as DEST when they differ (OWNER user:group applies on this
# machine only). Prints "changed" when it wrote DEST.
put_file() {
  local mode=$1 owner=$2 source=$3 dest=$4
  if [ -f "$dest" ] && cmp -s "$source" "$dest"; then
    chmod "$mode" "$dest"
    if on_this_machine; then chown "$owner" "$dest"; fi
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  local partial="$dest.edgegateway-new"
  cp "$source" "$partial"
  chmod "$mode" "$partial"
  if on_this_machine; then chown "$owner" "$partial"; fi
  mv -f "$partial" "$dest"
  echo changed
}

# stage_release: copies the bundle to releases/VERSION (atomically: a partial copy never has the final name).
# Nothing to do when it is there with the same files; refuses a different build under the same version.
stage_release() {
  local target="$RELEASES/$VERSION"
  mkdir -p "$RELEASES"
  if [ -d "$target" ]; then
    if [ "$(cd "$target" && pwd -P)" = "$(cd "$BUNDLE" && pwd -P)" ]; then
      return 0
    fi
    if diff -rq "$BUNDLE" "$target" >/dev/null 2>&1; then
      say "release $VERSION is already in $RELEASES"
      return 0
    fi
    die "$target holds a different build under the same version $VERSION: build the bundle again (each build gets its own version) or uninstall first" 65
  fi
  say "copying release $VERSION to $target"
  rm -rf "$RELEASES/.$VERSION.partial"
  cp -a "$BUNDLE" "$RELEASES/.$VERSION.partial"
  if on_this_machine; then
    chown -R root:root "$RELEASES/.$VERSION.partial"
    chmod -R go-w "$RELEASES/.$VERSION.partial"
  fi
  mv -T "$RELEASES/.$VERSION.partial" "$target"
}

# install_unit_from VERSION: the unit file of that release becomes the installed unit (daemon-reload when it changed).
install_unit_from() {
  local source="$RELEASES/$1/deploy/$EG_SERVICE.service"
  [ -f "$source" ] || die "release $1 has no deploy/$EG_SERVICE.service"
  if [ -n "$(put_file 0644 root:root "$source" "$UNIT")" ]; then
    say "installed $UNIT from release $1"
    svc daemon-reload
  fi
}

# start_verified: starts the service and proves it is up. `systemctl start` returns once the gateway has sent
# READY=1 (Type=notify: site file applied, every relay driven open) and fails if it exited or timed out first. The
# service must then stay active, without a restart, for SETTLE_SECONDS: a version that crashes just after READY,
# or whose sampling loop stalls (WatchdogSec=10), fails here.
start_verified() {
  if [ "$USE_SYSTEMCTL" -eq 0 ]; then
    say "(--no-systemctl: not starting $EG_SERVICE; nothing verified)"
    return 0
  fi
  say "starting $EG_SERVICE ($(link_target current)) and waiting for READY"
  if ! svc start "$EG_SERVICE"; then
    warn "$EG_SERVICE did not become ready"
    return 1
  fi
  local restarts now waited=0
  restarts=$(svc show -p NRestarts --value "$EG_SERVICE" 2>/dev/null || echo 0)
  while [ "$waited" -lt "$SETTLE_SECONDS" ]; do
    sleep 1
    waited=$((waited + 1))
    if ! svc is-active --quiet "$EG_SERVICE"; then
      warn "$EG_SERVICE stopped ${waited}s after it was ready"
      return 1
    fi
  done
  now=$(svc show -p NRestarts --value "$EG_SERVICE" 2>/dev/null || echo 0)
  if [ "$now" != "$restarts" ]; then
    warn "$EG_SERVICE restarted within ${SETTLE_SECONDS}s of being ready"
    return 1
  fi
  say "$EG_SERVICE $(link_target current) is up (ready, and still active after ${SETTLE_SECONDS}s)"
}

# stop_gateway: stops the service. The gateway opens every relay as it stops, and ExecStopPost runs relays-off
# from the version that was running (current still points at it); until the next start no relay is driven.
stop_gateway() {
  say "stopping $EG_SERVICE ($(link_target current)): every relay opens"
  svc stop "$EG_SERVICE" || warn "systemctl stop $EG_SERVICE failed (ExecStopPost opens the relays all the same)"
}

# switch_to VERSION: stop, point current at VERSION (previous at what ran), install its unit, start, verify.
# If VERSION does not come up, everything goes back and the old version is started again; returns 1 then.
switch_to() {
  local new=$1 old old_previous
  old=$(link_target current)
  old_previous=$(link_target previous)
  stop_gateway
  if [ -n "$old" ]; then
    set_link previous "$old"
  fi
  set_link current "$new"
  say "current -> $new${old:+ (previous -> $old)}"
  install_unit_from "$new"
  if start_verified; then
    return 0
  fi
  if [ -z "$old" ]; then
    warn "$new did not come up and there is no earlier version to go back to; every relay stays open"
    return 1
  fi
  warn "$new did not come up: going back to $old"
  stop_gateway
  # The old version, once up, reports the undone upgrade in its status (its last_error), so the hub's rollout learns of
  # it at once instead of at its apply deadline (src/EdgeGateway/Upgrading, BundleUpgrader.TakeUndoneUpgrade).
  mark_upgrade_undone "$new"
  set_link current "$old"
  if [ -n "$old_previous" ]; then
    set_link previous "$old_previous"
  else
    rm -f "$OPT/previous"
  fi
  install_unit_from "$old"
  if start_verified; then
    warn "$old runs again; $new stays in $RELEASES/$new for a look (journalctl -u $EG_SERVICE)"
  else
    warn "$old did not come up either: no gateway runs and every relay is open (journalctl -u $EG_SERVICE)"
  fi
  return 1
}

# mark_upgrade_undone VERSION: tells the gateway's next life that VERSION was installed and undone (the gateway's data
# directory, StateDirectory of the unit, owned by the service's user so that it can remove the mark once reported).
mark_upgrade_undone() {
  mkdir -p "$STATE"
  printf '%s\n' "$1" >"$UPGRADE_UNDONE_MARK"
  if on_this_machine && id -u "$EG_USER" >/dev/null 2>&1; then
    chown "$EG_USER:" "$UPGRADE_UNDONE_MARK" 2>/dev/null || true
  fi
}

# switch_and_keep VERSION: switch_to VERSION; once it runs, a rollback mark is stale (this is a move forward) and
# only current and previous are kept. Returns 1 when VERSION did not come up (switch_to undid the switch then).
switch_and_keep() {
  switch_to "$1" || return 1
  rm -f "$ROLLED_BACK_MARK" "$UPGRADE_UNDONE_MARK"
  prune_releases
}

# switch_and_keep_or_die VERSION SUCCESS FAILURE: switch_and_keep VERSION and say SUCCESS; when VERSION did not come up
# (the switch was undone), the script ends with FAILURE (exit 1).
switch_and_keep_or_die() {
  local version=$1 success=$2 failure=$3
  if switch_and_keep "$version"; then
    say "$success"
    return 0
  fi
  die "$failure" 1
}

# prune_releases: keeps current and previous, removes the other releases.
prune_releases() {
  local keep_current keep_previous dir name
  keep_current=$(link_target current)
  keep_previous=$(link_target previous)
  [ -d "$RELEASES" ] || return 0
  for dir in "$RELEASES"/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    if [ "$name" != "$keep_current" ] && [ "$name" != "$keep_previous" ]; then
      say "removing old release $name"
      rm -rf "$dir"
    fi
  done
}
