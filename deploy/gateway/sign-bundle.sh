#!/usr/bin/env bash
# Signs a gateway bundle archive (build-bundle.sh --tar) so that gateways install it only if it is the publisher's:
#
#   deploy/gateway/sign-bundle.sh --new-key DIR                  makes DIR/bundle-signing.key (private: keep it off
#                                                                the gateways, 0600) and DIR/bundle-signing.pem (public:
#                                                                /etc/edgegateway/bundle-signing.pem on each gateway)
#   deploy/gateway/sign-bundle.sh --key KEY ARCHIVE.tar.gz       writes ARCHIVE.tar.gz.sig
#
# The signature is ECDSA P-256 over SHA-256 of the archive (openssl dgst), checked on the gateway by
# apply-signed-bundle.sh with openssl alone: the check runs before anything of the new bundle is trusted, and needs
# nothing but what Raspberry Pi OS has. The public key is a PEM SubjectPublicKeyInfo, which .NET's
# ECDsa.ImportFromPem also reads.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

die() {
  echo "sign-bundle.sh: $1" >&2
  exit "${2:-1}"
}

main() {
  local key="" new_key="" archive=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --key) key=${2:?--key needs the private key file}; shift 2 ;;
      --new-key) new_key=${2:?--new-key needs a directory}; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      -*) die "unknown option '$1' (see --help)" 64 ;;
      *) archive=$1; shift ;;
    esac
  done
  command -v openssl >/dev/null 2>&1 || die "openssl is needed" 69

  if [ -n "$new_key" ]; then
    mkdir -p "$new_key"
    [ ! -e "$new_key/bundle-signing.key" ] || die "$new_key/bundle-signing.key exists: a new key would orphan every gateway that trusts it" 73
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$new_key/bundle-signing.key" 2>/dev/null)
    openssl pkey -in "$new_key/bundle-signing.key" -pubout -out "$new_key/bundle-signing.pem"
    chmod 0644 "$new_key/bundle-signing.pem"
    echo "sign-bundle.sh: $new_key/bundle-signing.key (private) and $new_key/bundle-signing.pem (public, for the gateways)"
    return 0
  fi

  if [ -z "$key" ] || [ -z "$archive" ]; then
    die "--key KEY ARCHIVE or --new-key DIR (see --help)" 64
  fi
  [ -f "$archive" ] || die "$archive not found" 66
  openssl dgst -sha256 -sign "$key" -out "$archive.sig.partial" "$archive" || die "openssl could not sign with $key"
  mv "$archive.sig.partial" "$archive.sig"
  echo "sign-bundle.sh: $archive.sig"
}

main "$@"
