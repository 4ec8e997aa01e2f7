#!/usr/bin/env bash
# Installs EdgeGateway on a shed's Raspberry Pi from the bundle this script is in, or re-applies it (safe to run
# again: what is already in place is left alone):
#
#   sudo ./deploy/install.sh --site shed.yaml [--gateway-json gateway.json] [--mqtt-ca ca.pem]
#                            [--mqtt-password-file FILE] [--boot-config FILE] [--no-board-setup] [OPTIONS]
#
#  1. checks the site file with this bundle's own `EdgeGateway check-config`; an invalid file changes nothing (exit 2);
#  2. prepares the board (unless --no-board-setup): the gpio/i2c/spi groups and the edgegateway user, udev rules,
#     kernel modules, the systemd hardware-watchdog drop-in, and the config.txt lines `EdgeGateway pin-map
#     --config-txt` derives from the site file (I2C at 100 kHz, SPI, 1-Wire on the site's pin, the watchdog, the
#     relay pins' power-on level), between "# >>> edgegateway" and "# <<< edgegateway"; with enable_uart=0 among
#     them, console=serial0 leaves cmdline.txt. A changed config.txt needs a reboot: the service is then enabled
#     but not started, and starts at boot;
#  3. copies the release to /opt/edgegateway/releases/VERSION and installs the configuration in /etc/edgegateway
#     (site.yaml; gateway.json, the broker's CA and the password file when given);
#  4. installs and enables edgegateway.service, and starts this version: the first install starts it; when another
#     version runs, it switches as upgrade.sh does (stop, switch, start, roll back if it does not come up); when
#     this version runs and the site file or settings changed, it restarts it, and puts the old files back if it
#     does not come up.
#
# Exit codes: 0 done (or a reboot is needed, which it says), 2 the site file is invalid, 1 the gateway did not
# come up (upgrade.sh's rollback then ran), 64 and up: wrong usage or not a bundle.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local site_source="" gateway_json="" mqtt_ca="" mqtt_password="" boot_config="" board_setup=1
  parse_options install_option "$@"
  init_paths
  require_root
  init_bundle "$(dirname "${BASH_SOURCE[0]}")"
  take_lock

  # 1. The site file, checked by the version that will run it.
  if [ -z "$site_source" ]; then
    [ -f "$SITE" ] || die "name the shed's site file: --site FILE (none is installed at $SITE yet)" 64
    site_source=$SITE
  fi
  [ -f "$site_source" ] || die "site file $site_source not found" 66
  local file
  for file in "$gateway_json" "$mqtt_ca" "$mqtt_password"; do
    if [ -n "$file" ] && [ ! -f "$file" ]; then die "$file not found" 66; fi
  done
  if ! check_site "$VERSION" "$BUNDLE" "$site_source"; then
    die "$site_source is invalid (above): nothing was changed" 2
  fi

  # 2. The board.
  local reboot=0
  if [ "$board_setup" -eq 1 ]; then
    setup_accounts
    setup_board_files
    if setup_boot_config "$site_source" "$boot_config"; then
      reboot=1
    fi
  fi
  if [ -e "$REBOOT_MARK" ]; then
    reboot=1
  fi

  # 3. The release and the configuration.
  stage_release
  mkdir -p "$ETC"
  chmod 0755 "$ETC"
  local changed="" backups=()
  if [ "$(realpath "$site_source")" != "$(realpath -m "$SITE")" ]; then
    if [ -f "$SITE" ] && ! cmp -s "$site_source" "$SITE"; then
      cp -p "$SITE" "$SITE.previous"
      backups+=(site.yaml)
    fi
    changed+=$(put_file 0644 root:root "$site_source" "$SITE")
  fi
  if [ -n "$gateway_json" ]; then
    if [ -f "$ETC/gateway.json" ] && ! cmp -s "$gateway_json" "$ETC/gateway.json"; then
      cp -p "$ETC/gateway.json" "$ETC/gateway.json.previous"
      backups+=(gateway.json)
    fi
    changed+=$(put_file 0640 "root:$EG_USER" "$gateway_json" "$ETC/gateway.json")
  fi
  if [ -n "$mqtt_ca" ]; then
    changed+=$(put_file 0644 root:root "$mqtt_ca" "$ETC/mqtt-ca.pem")
  fi
  if [ -n "$mqtt_password" ]; then
    changed+=$(put_file 0600 "$EG_USER:$EG_USER" "$mqtt_password" "$ETC/mqtt-password")
  fi

  # 4. The service.
  local current
  current=$(link_target current)
  if [ -z "$current" ]; then
    set_link current "$VERSION"
    say "current -> $VERSION"
  fi
  install_unit_from "$(link_target current)"
  svc enable "$EG_SERVICE"

  if [ "$reboot" -eq 1 ]; then
    if [ -n "$current" ] && [ "$current" != "$VERSION" ]; then
      say "$current keeps running until the reboot; run this script again after it to switch to $VERSION"
    fi
    say "config.txt changed: reboot to finish (sudo reboot); the gateway starts at boot"
    return 0
  fi

  if [ -n "$current" ] && [ "$current" != "$VERSION" ]; then
    switch_and_keep_or_die "$VERSION" "installed: $VERSION runs (previous: $current)" "$VERSION did not come up; see above"
    return 0
  fi

  if [ -n "$changed" ] && [ -n "$current" ]; then
    say "the configuration changed: restarting $EG_SERVICE"
    stop_gateway
    if start_verified; then
      rm -f "$ETC/site.yaml.previous" "$ETC/gateway.json.previous"
      say "installed: $VERSION runs with the new configuration"
      return 0
    fi
    warn "$VERSION did not come up with the new configuration: putting back the old files"
    stop_gateway
    for file in "${backups[@]}"; do
      mv -f "$ETC/$file.previous" "$ETC/$file"
    done
    start_verified || warn "the gateway did not come up with the old configuration either (journalctl -u $EG_SERVICE)"
    die "the new configuration did not come up (above); the old files are back in place" 1
  fi

  # First install, or nothing changed: start it (a no-op when it already runs) and prove it is up.
  if start_verified; then
    say "installed: $VERSION runs"
    return 0
  fi
  die "$VERSION did not come up (journalctl -u $EG_SERVICE); every relay stays open until it does" 1
}

# install_option "$@": install.sh's own options, for parse_options; they set main's locals.
install_option() {
  SHIFT_BY=2
  case "$1" in
    --site) site_source=${2:?--site needs a file} ;;
    --gateway-json) gateway_json=${2:?--gateway-json needs a file} ;;
    --mqtt-ca) mqtt_ca=${2:?--mqtt-ca needs a file} ;;
    --mqtt-password-file) mqtt_password=${2:?--mqtt-password-file needs a file} ;;
    --boot-config) boot_config=${2:?--boot-config needs a file} ;;
    --no-board-setup) board_setup=0; SHIFT_BY=1 ;;
    *) SHIFT_BY=0 ;;
  esac
}

# The service user and the groups that own the buses (this machine only).
setup_accounts() {
  if ! on_this_machine; then
    say "(--root: users and groups are left alone)"
    return 0
  fi
  local group
  for group in "${EG_GROUPS[@]}"; do
    if ! getent group "$group" >/dev/null; then
      say "creating group $group"
      groupadd --system "$group"
    fi
  done
  if ! id -u "$EG_USER" >/dev/null 2>&1; then
    say "creating the service user $EG_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --comment "EdgeGateway service" "$EG_USER"
  fi
  usermod -a -G "$(IFS=,; echo "${EG_GROUPS[*]}")" "$EG_USER"
}

# udev rules, kernel modules and the watchdog drop-in, from the bundle's deploy/raspberry-pi.
setup_board_files() {
  local files="$BUNDLE/deploy/raspberry-pi"
  if [ -n "$(put_file 0644 root:root "$files/99-edgegateway.rules" "$UDEV_RULE")" ]; then
    say "installed $UDEV_RULE"
    if on_this_machine && command -v udevadm >/dev/null 2>&1; then
      udevadm control --reload-rules || true
      udevadm trigger --subsystem-match=gpio --subsystem-match=i2c-dev --subsystem-match=spidev || true
    fi
  fi
  if [ -n "$(put_file 0644 root:root "$files/edgegateway-modules.conf" "$MODULES_CONF")" ]; then
    say "installed $MODULES_CONF"
    if on_this_machine; then
      modprobe i2c-dev 2>/dev/null || true
    fi
  fi
  if [ -n "$(put_file 0644 root:root "$files/edgegateway-watchdog.conf" "$WATCHDOG_CONF")" ]; then
    say "installed $WATCHDOG_CONF (systemd feeds the hardware watchdog from the next boot)"
  fi
  if on_this_machine && ! ldconfig -p 2>/dev/null | grep -q 'libgpiod\.so'; then
    warn "libgpiod is not installed: a Raspberry Pi 5, or a site with board.gpioChip other than 0, needs it (sudo apt-get install libgpiod2)"
  fi
}

# setup_boot_config SITE [CONFIG_TXT]: writes the site's config.txt lines; returns 0 when config.txt changed
# (a reboot is needed), 1 when it was already right.
setup_boot_config() {
  local site=$1 config lines
  config=$(boot_config_file "$2")
  if ! lines=$(gateway "$BUNDLE" pin-map --config-txt "$site"); then
    die "EdgeGateway pin-map --config-txt $site failed" 1
  fi
  if [ ! -f "$config" ]; then
    warn "no config.txt at $config (not a Raspberry Pi OS boot partition?): add these lines to it by hand, then reboot:"
    printf '%s\n' "$lines" >&2
    return 1
  fi

  local begin="$BOOT_BLOCK_BEGIN: written by deploy/gateway/install.sh from the site file (EdgeGateway pin-map --config-txt); edit the site file, not these lines"
  local updated
  updated=$(mktemp)
  # Everything but an earlier block, then the new block at the end (where nothing after it can override it).
  without_boot_block "$config" >"$updated"
  { printf '\n%s\n' "$begin"; printf '%s\n' "$lines"; printf '%s\n' "$BOOT_BLOCK_END"; } >>"$updated"
  if cmp -s "$updated" "$config"; then
    rm -f "$updated"
    return 1
  fi
  if [ ! -f "$config.edgegateway-orig" ]; then
    cp -p "$config" "$config.edgegateway-orig"
  fi
  cat "$updated" >"$config"
  rm -f "$updated"
  say "wrote the site's lines into $config (the original is $config.edgegateway-orig)"

  if grep -qx 'enable_uart=0' <<<"$lines"; then
    local cmdline
    cmdline="$(dirname "$config")/cmdline.txt"
    if [ -f "$cmdline" ] && grep -Eq '(^| )console=(serial0|ttyAMA0|ttyS0)(,[0-9]+)?( |$)' "$cmdline"; then
      [ -f "$cmdline.edgegateway-orig" ] || cp -p "$cmdline" "$cmdline.edgegateway-orig"
      sed -E -i -e 's/(^| )console=(serial0|ttyAMA0|ttyS0)(,[0-9]+)?( |$)/\1/g' -e 's/  +/ /g' -e 's/ $//' "$cmdline"
      say "took the serial console off $cmdline: GPIO14/15 are sensor pins on this site"
    fi
  fi
  mkdir -p "$(dirname "$REBOOT_MARK")"
  : >"$REBOOT_MARK"
  return 0
}

main "$@"
