#!/usr/bin/env bash
# Switches an installed gateway to the version of the bundle this script is in:
#
#   sudo ./deploy/upgrade.sh [OPTIONS]
#
#  1. checks the installed site file (/etc/edgegateway/site.yaml) with the NEW version's check-config: if the new
#     version refuses it, nothing changes and the running version keeps running (exit 2);
#  2. copies the release to /opt/edgegateway/releases/VERSION;
#  3. stops the service: the running version opens every relay as it stops, and ExecStopPost runs its relays-off;
#     from here until the new version has applied the site file no relay is driven, and the relays are wired
#     normally open, so no socket is live while no gateway runs;
#  4. points previous at the old version and current at the new one, installs the new version's unit file;
#  5. starts it and waits for READY (sd_notify: site file applied, every relay driven open), then watches it stay
#     active for --settle seconds (default 20: two watchdog periods);
#  6. if it does not come up, goes back by itself: stop, current and previous as they were, the old unit, start the
#     old version (exit 1). Otherwise keeps the old version for rollback.sh and removes older ones.
#
# Running it again when this version is already current does nothing. Charging pauses while the gateway restarts:
# the stop keeps open sessions in the session journal, and the new version resumes them (same session, energy
# continuing) if it is up within the site's resumeAfterRestartMinutes (default 10).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  parse_only_common_options "$@"
  init_paths
  require_root
  init_bundle "$(dirname "${BASH_SOURCE[0]}")"
  take_lock
  refuse_while_reboot_pending

  local current
  current=$(link_target current)
  require_installed "$current" "use install.sh"
  require_installed_site "use install.sh --site FILE"
  if [ "$current" = "$VERSION" ]; then
    say "$VERSION is already the current version: nothing to do"
    return 0
  fi

  check_installed_site "$VERSION" "$BUNDLE" "$current"

  stage_release
  switch_and_keep_or_die "$VERSION" "upgraded: $VERSION runs (rollback.sh goes back to $current)" \
    "the upgrade to $VERSION failed and was undone (above)"
}

main "$@"
