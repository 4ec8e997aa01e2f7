#!/usr/bin/env bash
# Builds the Debian packages of EdgeGateway (run it on a development machine, from any directory):
#
#   deploy/package/build-deb.sh gateway --output DIR [--bundle DIR] [--version VERSION] [--compression xz|gzip]
#   deploy/package/build-deb.sh hub --output DIR --arch amd64|arm64 [--publish DIR] [--version VERSION] [--compression xz|gzip]
#
# gateway  DIR/edgegateway_VERSION-1_arm64.deb from the self-contained linux-arm64 bundle of
#          deploy/gateway/build-bundle.sh: --bundle takes one already built (the test suite passes the one it built);
#          without it build-bundle.sh is run (one publish) with --version.
# hub      DIR/edgegateway-hub_VERSION-1_ARCH.deb from a self-contained publish of src/EdgeGateway.Hub for
#          linux-x64 (amd64) or linux-arm64 (arm64): --publish takes one already made; without it the hub is
#          published here (the .NET SDK and npm are needed).
#
# VERSION is the bundle's (its VERSION file) or, for the hub, Directory.Build.props' <Version> and the commit, as
# build-bundle.sh makes it; a '-' in it becomes '+' (the Debian revision is "-1"), so 0.1.0-g259b41c0f1 is packaged
# as 0.1.0+g259b41c0f1-1. --compression is dpkg-deb's: xz by default; gzip packs at level 1 (the test suite's choice:
# it saves most of a minute of CPU on the 70 MB of a self-contained build).
#
# What the packages hold and do: deploy/README.md ("Debian packages"). The maintainer scripts are
# deploy/package/gateway/ and deploy/package/hub/; the files here are the source of every package file, nothing is
# generated but the control file, md5sums, the changelog and the unit's paths.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

die() {
  echo "build-deb.sh: $1" >&2
  exit "${2:-1}"
}

main() {
  local kind=${1:-}
  [ $# -gt 0 ] && shift
  case "$kind" in
    gateway|hub) ;;
    -h|--help) usage; exit 0 ;;
    *) die "say what to package: gateway or hub (see --help)" 64 ;;
  esac
  local output="" bundle="" publish="" arch="" version=""
  COMPRESSION=xz
  while [ $# -gt 0 ]; do
    case "$1" in
      --output) output=${2:?--output needs a directory}; shift 2 ;;
      --bundle) bundle=${2:?--bundle needs a directory}; shift 2 ;;
      --publish) publish=${2:?--publish needs a directory}; shift 2 ;;
      --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
      --version) version=${2:?--version needs a value}; shift 2 ;;
      --compression) COMPRESSION=${2:?--compression needs xz or gzip}; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown argument '$1' (see --help)" 64 ;;
    esac
  done
  [ -n "$output" ] || die "--output DIR is required (see --help)" 64
  case "$COMPRESSION" in xz|gzip) ;; *) die "--compression takes xz or gzip" 64 ;; esac
  command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is needed (Debian's dpkg)" 69

  REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  HERE="$REPO/deploy/package"
  mkdir -p "$output"
  OUTPUT=$(cd "$output" && pwd)
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT

  if [ "$kind" = gateway ]; then
    [ -z "$arch" ] || [ "$arch" = arm64 ] || die "the gateway is packaged for arm64 only (a Raspberry Pi)" 64
    [ -z "$publish" ] || die "--publish is for the hub; the gateway takes --bundle" 64
    if [ -z "$bundle" ]; then
      local args=(--output "$WORK/bundle")
      [ -z "$version" ] || args+=(--version "$version")
      bash "$REPO/deploy/gateway/build-bundle.sh" "${args[@]}" >&2
      bundle=$(find "$WORK/bundle" -mindepth 1 -maxdepth 1 -type d -name 'edgegateway-*-linux-arm64' | head -n 1)
    fi
    if [ ! -f "$bundle/VERSION" ] || [ ! -x "$bundle/EdgeGateway" ]; then
      die "$bundle is not a bundle of build-bundle.sh (VERSION, EdgeGateway)" 66
    fi
    [ -n "$version" ] || version=$(head -n 1 "$bundle/VERSION")
    package_gateway "$bundle" "$version"
  else
    local rid
    case "$arch" in
      amd64) rid=linux-x64 ;;
      arm64) rid=linux-arm64 ;;
      *) die "--arch amd64 or --arch arm64 is required for the hub" 64 ;;
    esac
    [ -z "$bundle" ] || die "--bundle is for the gateway; the hub takes --publish" 64
    if [ -z "$publish" ]; then
      publish="$WORK/publish"
      dotnet publish "$REPO/src/EdgeGateway.Hub" -c Release -r "$rid" --self-contained \
        -p:PublishDocumentationFiles=false --artifacts-path "$WORK/artifacts" -o "$publish" -nologo >&2 \
        || die "dotnet publish of the hub failed"
    fi
    if [ ! -x "$publish/EdgeGateway.Hub" ] || [ ! -f "$publish/EdgeGateway.Hub.dll" ]; then
      die "$publish holds no published hub (EdgeGateway.Hub, EdgeGateway.Hub.dll)" 66
    fi
    [ -n "$version" ] || version=$(default_version)
    package_hub "$publish" "$version" "$arch"
  fi
}

# The Debian version of an upstream one: '-' becomes '+', then the package revision -1.
debian_version() {
  local upstream=$1
  [[ $upstream =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "version '$upstream' must start with a digit and hold letters, digits, '.', '+', '~' and '-' only" 64
  printf '%s-1\n' "${upstream//-/+}"
}

default_version() {
  local base commit
  base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$REPO/Directory.Build.props" | head -n 1)
  if commit=$(git -C "$REPO" rev-parse --short=10 HEAD 2>/dev/null); then
    printf '%s-g%s\n' "${base:-0.0.0}" "$commit"
  else
    printf '%s-local.%s\n' "${base:-0.0.0}" "$(date -u +%Y%m%d%H%M%S)"
  fi
}

package_gateway() {
  local bundle=$1 upstream=$2 root="$WORK/edgegateway" lib
  lib="$root/usr/lib/edgegateway"
  mkdir -p "$lib"
  # The bundle without its deploy/ folder: install.sh and upgrade.sh manage the /opt layout of a bundle install;
  # a package is installed, upgraded and rolled back (apt install edgegateway=OLD) by dpkg.
  (cd "$bundle" && find . -mindepth 1 -maxdepth 1 ! -name deploy -exec cp -a {} "$lib/" \;)
  program_modes "$lib" EdgeGateway
  install -D -m 0644 "$REPO/firmware-config/raspberry-pi/99-edgegateway.rules" "$root/usr/lib/udev/rules.d/99-edgegateway.rules"
  install -D -m 0644 "$REPO/firmware-config/raspberry-pi/edgegateway-modules.conf" "$root/usr/lib/modules-load.d/edgegateway.conf"
  install -D -m 0644 "$REPO/firmware-config/raspberry-pi/edgegateway-watchdog.conf" "$root/usr/lib/systemd/system.conf.d/edgegateway-watchdog.conf"
  unit_from "$REPO/deploy/gateway/edgegateway.service" /opt/edgegateway/current/ /usr/lib/edgegateway/ \
    "file:/usr/share/doc/edgegateway/README.md.gz" "$root/usr/lib/systemd/system/edgegateway.service"
  # The example broker settings, a conffile: an edited one is kept on upgrade (dpkg asks when both changed).
  install -D -m 0644 "$REPO/deploy/gateway/gateway.json" "$root/etc/edgegateway/gateway.json"
  mkdir -p "$root/usr/bin"
  ln -s ../lib/edgegateway/EdgeGateway "$root/usr/bin/edgegateway"
  common_files edgegateway "$root" "$HERE/gateway"
  finish edgegateway "$root" arm64 "$upstream" "$HERE/gateway"
}

package_hub() {
  local publish=$1 upstream=$2 arch=$3 root="$WORK/edgegateway-hub"
  mkdir -p "$root/usr/lib/edgegateway-hub"
  cp -a "$publish/." "$root/usr/lib/edgegateway-hub/"
  strip_libraries "$root/usr/lib/edgegateway-hub" "$arch"
  program_modes "$root/usr/lib/edgegateway-hub" EdgeGateway.Hub
  unit_from "$REPO/deploy/hub/edgegateway-hub.service" /opt/edgegateway-hub/current/ /usr/lib/edgegateway-hub/ \
    "file:/usr/share/doc/edgegateway-hub/README.md.gz" "$root/usr/lib/systemd/system/edgegateway-hub.service"
  install -D -m 0644 "$REPO/deploy/hub/hub.json" "$root/etc/edgegateway/hub.json"
  install -D -m 0755 "$REPO/deploy/hub/hash-password.sh" "$root/usr/share/edgegateway-hub/hash-password.sh"
  common_files edgegateway-hub "$root" "$HERE/hub"
  finish edgegateway-hub "$root" "$arch" "$upstream" "$HERE/hub"
}

# strip_libraries DIR ARCH: the shared libraries beside the program without their symbol tables, as Debian ships them
# (dh_strip's options; lintian's unstripped-binary-or-object). The .NET runtime's come stripped; SQLitePCLRaw's
# libe_sqlite3.so does not. Only the publish's own directory: a self-contained publish for one RID has its native
# libraries there (a portable publish keeps every platform's under runtimes/, which is left as it is).
strip_libraries() {
  local dir=$1 arch=$2 strip binutils library
  case "$arch" in
    amd64) strip=x86_64-linux-gnu-strip binutils=binutils-x86-64-linux-gnu ;;
    arm64) strip=aarch64-linux-gnu-strip binutils=binutils-aarch64-linux-gnu ;;
  esac
  for library in "$dir"/*.so "$dir"/*.so.*; do
    [ -f "$library" ] || continue
    # grep without -q reads all: under pipefail, readelf cut short by SIGPIPE would fail the test.
    readelf -S "$library" 2>/dev/null | grep '[.]symtab' >/dev/null || continue
    command -v "$strip" >/dev/null 2>&1 \
      || die "$(basename "$library") has its symbols and $strip is missing: apt-get install $binutils" 69
    "$strip" --remove-section=.comment --remove-section=.note --strip-unneeded "$library"
  done
}

# program_modes DIR PROGRAM: a publish's files as Debian has them: 0644, but for the program (.NET's apphost) and
# the runtime's createdump, 0755 (a publish leaves its libraries and assemblies executable, or 0744 under a umask).
program_modes() {
  find "$1" -type f -exec chmod 0644 {} +
  chmod 0755 "$1/$2"
  if [ -f "$1/createdump" ]; then
    chmod 0755 "$1/createdump"
  fi
}

# unit_from UNIT OLD_PREFIX NEW_PREFIX DOCUMENTATION TARGET: the unit of a bundle install with the package's paths.
unit_from() {
  install -d "$(dirname "$5")"
  sed -e "s|$2|$3|g" -e "s|^Documentation=.*|Documentation=$4|" "$1" >"$5"
  chmod 0644 "$5"
  ! grep -q /opt/ "$5" || die "$5 still names /opt/ after the path change"
}

# common_files PACKAGE ROOT SOURCE: documentation, copyright, changelog, manual page, lintian overrides.
common_files() {
  local package=$1 root=$2 source=$3 doc
  doc="$root/usr/share/doc/$package"
  install -D -m 0644 "$HERE/copyright" "$doc/copyright"
  gzip -9n <"$REPO/deploy/README.md" >"$doc/README.md.gz"
  if [ -f "$source/$package.1" ]; then
    install -d "$root/usr/share/man/man1"
    gzip -9n <"$source/$package.1" >"$root/usr/share/man/man1/$package.1.gz"
  fi
  if [ -f "$source/lintian-overrides" ]; then
    install -D -m 0644 "$source/lintian-overrides" "$root/usr/share/lintian/overrides/$package"
  fi
}

# finish PACKAGE ROOT ARCH UPSTREAM_VERSION SOURCE: changelog, DEBIAN/, md5sums, then dpkg-deb.
finish() {
  local package=$1 root=$2 arch=$3 upstream=$4 source=$5 version doc deb
  version=$(debian_version "$upstream")
  doc="$root/usr/share/doc/$package"
  # A changelog entry per build: what was packaged, from which bundle version (the project's history is git's).
  {
    printf '%s (%s) stable; urgency=medium\n\n' "$package" "$version"
    printf '  * Package of EdgeGateway %s.\n\n' "$upstream"
    printf ' -- EdgeGateway maintainers <edgegateway@example.cn>  %s\n' "$(LC_ALL=C date -u -R -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")"
  } | gzip -9n >"$doc/changelog.Debian.gz"
  chmod 0644 "$doc/changelog.Debian.gz"

  install -d -m 0755 "$root/DEBIAN"
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" "$source/control" >"$root/DEBIAN/control"
  local script
  for script in preinst postinst prerm postrm; do
    if [ -f "$source/$script" ]; then
      install -m 0755 "$source/$script" "$root/DEBIAN/$script"
    fi
  done
  # Every file under /etc is a conffile: dpkg keeps the administrator's edits on upgrade.
  (cd "$root" && find etc -type f -printf '/%p\n' | sort) >"$root/DEBIAN/conffiles"
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
  chmod 0644 "$root/DEBIAN/md5sums"
  # Directories 0755, nothing writable by group or others: the files are root's, whoever built the package.
  find "$root" -type d -exec chmod 0755 {} +
  chmod -R go-w "$root"

  deb="$OUTPUT/${package}_${version}_${arch}.deb"
  local level=()
  # gzip at level 1: the suite's fast packing (lintian refuses uncompressed archives).
  [ "$COMPRESSION" != gzip ] || level=(-z1)
  dpkg-deb --root-owner-group "-Z$COMPRESSION" "${level[@]}" --build "$root" "$deb.partial" >/dev/null
  mv "$deb.partial" "$deb"
  echo "$deb"
}

main "$@"
