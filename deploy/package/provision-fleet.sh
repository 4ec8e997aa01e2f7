#!/usr/bin/env bash
# A fleet from an inventory of sheds, in one run (on the operator's machine, where the broker's CA is):
#
#   deploy/package/provision-fleet.sh INVENTORY.csv --output DIR --broker-url mqtts://HOST:PORT
#       [--credentials-dir DIR] [--templates DIR] [--edgegateway COMMAND]
#
#  1. `edgegateway provision` makes DIR/sites/SITE-GW.yaml (from the wiring templates, each checked as check-config
#     checks it), DIR/tenants.yaml (the hub's registry) and DIR/gateways.txt; a bad row stops everything;
#  2. deploy/mosquitto/make-credentials.sh --gateways-file DIR/gateways.txt makes (or keeps) each gateway's broker
#     account, its ACL entries and its gateway.json, in --credentials-dir (default /etc/mosquitto/edgegateway);
#  3. DIR/first-boot/SITE-GW.tar.gz per gateway: etc/edgegateway/site.yaml, gateway.json, mqtt-ca.pem and
#     mqtt-password, to unpack at / on that shed's Pi before installing the edgegateway package (whose postinst gives
#     mqtt-password to the service user and starts the gateway once the site file passes check-config).
#
# --edgegateway is how to run the gateway's command line (default: edgegateway if installed, else dotnet run on
# this repository's src/EdgeGateway). Reload the broker afterwards (systemctl reload mosquitto).
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

die() {
  echo "provision-fleet.sh: $1" >&2
  exit "${2:-1}"
}

main() {
  local inventory="" output="" broker_url="" credentials=/etc/mosquitto/edgegateway templates="" edgegateway=()
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  while [ $# -gt 0 ]; do
    case "$1" in
      --output) output=${2:?--output needs a directory}; shift 2 ;;
      --broker-url) broker_url=${2:?--broker-url needs mqtts://host:port}; shift 2 ;;
      --credentials-dir) credentials=${2:?--credentials-dir needs a directory}; shift 2 ;;
      --templates) templates=${2:?--templates needs a directory}; shift 2 ;;
      --edgegateway) read -r -a edgegateway <<<"${2:?--edgegateway needs a command}"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      -*) die "unknown option '$1' (see --help)" 64 ;;
      *) [ -z "$inventory" ] || die "one inventory only (see --help)" 64; inventory=$1; shift ;;
    esac
  done
  if [ -z "$inventory" ] || [ -z "$output" ] || [ -z "$broker_url" ]; then
    die "INVENTORY, --output and --broker-url are required (see --help)" 64
  fi
  if [ ${#edgegateway[@]} -eq 0 ]; then
    if command -v edgegateway >/dev/null 2>&1; then
      edgegateway=(edgegateway)
    else
      edgegateway=(dotnet run --project "$repo/src/EdgeGateway" --)
    fi
  fi

  local args=(provision "$inventory" --output "$output")
  [ -z "$templates" ] || args+=(--templates "$templates")
  "${edgegateway[@]}" "${args[@]}" || die "the inventory was refused (above): nothing was made" 2

  bash "$repo/deploy/mosquitto/make-credentials.sh" --dir "$credentials" --gateways-file "$output/gateways.txt" \
    --broker-url "$broker_url"

  mkdir -p "$output/first-boot"
  local line site gw account
  # Global: the EXIT trap runs after main has returned.
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  while IFS= read -r line; do
    site=${line%%/*}
    gw=${line#*/}
    account="$credentials/accounts/gw-$site-$gw"
    rm -rf "${WORK:?}/etc"
    install -d -m 0755 "$WORK/etc/edgegateway"
    install -m 0644 "$output/sites/$site-$gw.yaml" "$WORK/etc/edgegateway/site.yaml"
    install -m 0644 "$account/gateway.json" "$WORK/etc/edgegateway/gateway.json"
    install -m 0644 "$account/mqtt-ca.pem" "$WORK/etc/edgegateway/mqtt-ca.pem"
    install -m 0600 "$account/mqtt-password" "$WORK/etc/edgegateway/mqtt-password"
    tar -C "$WORK" --owner=0 --group=0 --numeric-owner -czf "$output/first-boot/$site-$gw.tar.gz" etc
  done <"$output/gateways.txt"
  echo "provision-fleet.sh: $(wc -l <"$output/gateways.txt") first-boot archives in $output/first-boot; reload the broker: systemctl reload mosquitto"
}

main "$@"
