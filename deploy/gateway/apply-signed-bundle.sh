#!/usr/bin/env bash
# Installs a signed bundle archive on this gateway, with upgrade.sh's checks and automatic rollback:
#
#   sudo /opt/edgegateway/current/deploy/apply-signed-bundle.sh ARCHIVE.tar.gz [--signature FILE]
#        [--public-key FILE] [upgrade.sh's OPTIONS]
#
#  1. verifies ARCHIVE against its signature (default ARCHIVE.sig; sign-bundle.sh made it) with the publisher's public
#     key (default /etc/edgegateway/bundle-signing.pem): ECDSA P-256 over SHA-256, by openssl. A missing or wrong
#     signature, or a changed archive, changes nothing (exit 3);
#  2. unpacks it into a temporary directory: it must hold one edgegateway-VERSION-linux-arm64/ directory;
#  3. runs that bundle's deploy/upgrade.sh with the other options: the new version's check-config of the installed
#     site file, the switch while the service is stopped, and the automatic rollback if it does not come up.
#
# Exit codes: upgrade.sh's (0 done, 1 rolled back, 2 the new version refuses the site file), 3 not verified, 64 and
# up: wrong usage.
set -euo pipefail

die() {
  echo "edgegateway: error: $1" >&2
  exit "${2:-1}"
}

main() {
  local archive="" signature="" public_key=/etc/edgegateway/bundle-signing.pem passthrough=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --signature) signature=${2:?--signature needs a file}; shift 2 ;;
      --public-key) public_key=${2:?--public-key needs a file}; shift 2 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
      --*)
        # upgrade.sh's options; those with a value take the next argument along.
        case "$1" in
          --root|--systemctl|--exec-wrapper|--settle) passthrough+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
          *) passthrough+=("$1"); shift ;;
        esac ;;
      *) [ -z "$archive" ] || die "one archive only" 64; archive=$1; shift ;;
    esac
  done
  [ -n "$archive" ] || die "name the bundle archive (see --help)" 64
  [ -f "$archive" ] || die "$archive not found" 66
  [ -n "$signature" ] || signature="$archive.sig"
  command -v openssl >/dev/null 2>&1 || die "openssl is needed to verify the bundle" 69

  if [ ! -f "$public_key" ]; then
    die "no public key at $public_key: nothing was installed" 3
  fi
  if [ ! -f "$signature" ]; then
    die "$archive has no signature ($signature): nothing was installed" 3
  fi
  if ! openssl dgst -sha256 -verify "$public_key" -signature "$signature" "$archive" >/dev/null 2>&1; then
    die "$archive does not match its signature under $public_key (changed or not the publisher's): nothing was installed" 3
  fi
  echo "edgegateway: $archive: signature verified"

  local top
  # Global: the EXIT trap runs after main has returned.
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  top=$(tar -tzf "$archive" | cut -d/ -f1 | sort -u)
  [[ $top =~ ^edgegateway-[A-Za-z0-9][A-Za-z0-9._+-]*-linux-arm64$ ]] \
    || die "$archive does not hold one edgegateway-VERSION-linux-arm64/ directory" 66
  tar -xzf "$archive" -C "$WORK" --no-same-owner
  bash "$WORK/$top/deploy/upgrade.sh" "${passthrough[@]}"
}

main "$@"
