#!/usr/bin/env bash
# Removes EdgeGateway from the board:
#
#   sudo /opt/edgegateway/current/deploy/uninstall.sh [--purge] [--boot-config FILE] [OPTIONS]
#
#  1. stops and disables the service (every relay opens; ExecStopPost runs relays-off) and runs relays-off once
#     more itself, then removes the unit and /opt/edgegateway (every release);
#  2. keeps /etc/edgegateway (the site file, the broker's credentials) and /var/lib/edgegateway (the outbox may
#     still hold messages the broker has not acknowledged), and the board setup: the config.txt lines keep the
#     relay pins at their open level from power-on, with or without a gateway;
#  3. with --purge, removes those too: the configuration, the outbox, the udev rules, the module and watchdog
#     files, the config.txt lines (a reboot applies that) and the service user. Then nothing holds a board GPIO
#     relay open at power-on any more: disconnect the relay board's supply before the next boot.
#
# Running it again finds nothing to remove and says so.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local purge=0 boot_config=""
  parse_options uninstall_option "$@"
  init_paths
  require_root
  take_lock

  local removed=0 current
  current=$(link_target current)
  if [ -f "$UNIT" ] || [ -n "$current" ]; then
    stop_gateway
    svc disable "$EG_SERVICE" || true
    if [ -n "$current" ] && [ -f "$SITE" ] && on_this_machine; then
      say "relays-off with $current"
      gateway "$OPT/current" relays-off --config "$SITE" || warn "relays-off failed (the service's ExecStopPost already ran it)"
    fi
  fi
  if [ -f "$UNIT" ]; then
    rm -f "$UNIT"
    svc daemon-reload
    say "removed $UNIT"
    removed=1
  fi
  if [ -e "$OPT" ]; then
    rm -rf "$OPT"
    say "removed $OPT"
    removed=1
  fi

  if [ "$purge" -eq 1 ]; then
    local path
    for path in "$ETC" "$STATE" "$UDEV_RULE" "$MODULES_CONF" "$WATCHDOG_CONF"; do
      if [ -e "$path" ]; then
        rm -rf "$path"
        say "removed $path"
        removed=1
      fi
    done
    if remove_boot_config "$boot_config"; then
      removed=1
    fi
    if on_this_machine && id -u "$EG_USER" >/dev/null 2>&1; then
      userdel "$EG_USER"
      say "removed the user $EG_USER"
      removed=1
    fi
  else
    if [ -e "$ETC" ] || [ -e "$STATE" ]; then
      say "kept $ETC and $STATE (--purge removes them)"
    fi
  fi

  if [ "$removed" -eq 0 ]; then
    say "nothing to remove: EdgeGateway is not installed here"
  fi
}

# uninstall_option "$@": uninstall.sh's own options, for parse_options; they set main's locals.
uninstall_option() {
  SHIFT_BY=2
  case "$1" in
    --purge) purge=1; SHIFT_BY=1 ;;
    --boot-config) boot_config=${2:?--boot-config needs a file} ;;
    *) SHIFT_BY=0 ;;
  esac
}

# remove_boot_config [CONFIG_TXT]: takes install.sh's block out of config.txt; returns 0 when it was there.
remove_boot_config() {
  local config
  config=$(boot_config_file "$1")
  if [ ! -f "$config" ] || ! grep -q "^$BOOT_BLOCK_BEGIN" "$config"; then
    return 1
  fi
  local updated
  updated=$(mktemp)
  without_boot_block "$config" >"$updated"
  cat "$updated" >"$config"
  rm -f "$updated"
  say "took the EdgeGateway lines out of $config (they stop applying at the next boot)"
  return 0
}

main "$@"
