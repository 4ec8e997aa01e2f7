#!/usr/bin/env bash
# Goes back to the version that ran before the last upgrade:
#
#   sudo /opt/edgegateway/current/deploy/rollback.sh [OPTIONS]
#
#  1. checks the installed site file with the PREVIOUS version's check-config (a site file edited for the newer
#     version may use keys the older one does not know): if it refuses it, nothing changes (exit 2);
#  2. stops the service (every relay opens; ExecStopPost runs relays-off), points current at the previous version
#     and previous at the one it replaces, installs that version's unit file, starts it and waits for READY;
#  3. if the previous version does not come up, switches back to the one that was running (exit 1).
#
# Running it again after a rollback does nothing (it says which version it rolled back from): to go forward
# again, run upgrade.sh from that version's bundle, or /opt/edgegateway/releases/VERSION/deploy/upgrade.sh.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  parse_only_common_options "$@"
  init_paths
  require_root
  take_lock
  refuse_while_reboot_pending

  local current previous
  current=$(link_target current)
  previous=$(link_target previous)
  require_installed "$current"
  if [ -f "$ROLLED_BACK_MARK" ] && [ "$(cat "$ROLLED_BACK_MARK")" = "$previous" ]; then
    say "already rolled back from $previous to $current: nothing to do (upgrade.sh of $previous goes forward again)"
    return 0
  fi
  [ -n "$previous" ] || die "there is no previous version to go back to (only $current is installed)" 64
  [ -x "$RELEASES/$previous/EdgeGateway" ] || die "the previous version's files are missing ($RELEASES/$previous)" 66
  require_installed_site ""
  check_installed_site "$previous" "$RELEASES/$previous" "$current"

  if switch_to "$previous"; then
    printf '%s\n' "$current" >"$ROLLED_BACK_MARK"
    say "rolled back: $previous runs ($current is kept as previous)"
    return 0
  fi
  die "the rollback to $previous failed and was undone (above)" 1
}

main "$@"
