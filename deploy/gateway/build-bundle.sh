#!/usr/bin/env bash
# Builds the bundle a technician installs on a shed's Raspberry Pi (run it on a development machine, from any directory):
#
#   deploy/gateway/build-bundle.sh --output DIR [--version VERSION] [--tar] [--ready-to-run] [--publish-dir DIR]
#
# DIR/edgegateway-VERSION-linux-arm64/ is the bundle: the self-contained linux-arm64 publish of src/EdgeGateway
# (the .NET runtime included: nothing else to install on the Pi), VERSION, and deploy/ with install.sh, upgrade.sh,
# rollback.sh, uninstall.sh, apply-signed-bundle.sh, the systemd unit and the board files of firmware-config/raspberry-pi. With --tar it
# is also packed as DIR/edgegateway-VERSION-linux-arm64.tar.gz, the file to copy to the Pi.
#
# VERSION defaults to Directory.Build.props' <Version> and the commit (0.1.0-g259b41c0f1), with a
# "-dirty.TIMESTAMP" suffix when the work tree has uncommitted changes, so two different builds never share a name.
# --publish-dir packs an existing publish output instead of publishing (the test suite uses it for stand-ins).
# The gateway is published with Native AOT: one native EdgeGateway, no JIT and no IL assemblies mapped, less
# resident memory than an empty `dotnet new worker` (docs/measurements.md, "The build as committed"; the ReadyToRun
# build is 2.4 times the worker). It needs a cross toolchain on the development machine: clang (or clang-14) with
# the arm64 linker and C library, on Debian `apt-get install clang-14 binutils-aarch64-linux-gnu
# libc6-dev-arm64-cross libgcc-12-dev-arm64-cross` (test.sh installs them). It took 75 s of wall time on an idle
# 2-core machine, ReadyToRun 34 s.
# --ready-to-run publishes the JIT build with ReadyToRun code instead (a machine without the cross toolchain; a
# comparison): the .NET runtime's libraries and the IL assemblies travel with it. --aot names the default.
#
# Publish settings, and why:
#   -r linux-arm64 --self-contained   Raspberry Pi OS 64-bit on a Pi 3/4/5 or CM4; no .NET install on the board.
#   InvariantGlobalization=true       Raspberry Pi OS Lite need not have libicu, and without it a .NET program
#                                     stops at start ("Couldn't find a valid ICU package"). The gateway formats with
#                                     the invariant culture and its Chinese texts are plain strings, which invariant
#                                     mode leaves alone (the test suite checks the zh-CN live table of this build).
#   PublishAot=true                   native code, trimmed: no JIT at all, so the start is fast on a Pi 3, which is
#                                     also how fast relays-off (ExecStopPost) opens the relays after a crash; the
#                                     gateway's project keeps it possible (IsAotCompatible: trimming warnings are
#                                     errors). Its .dbg symbols and the libraries' .pdb files stay off the Pi.
#   PublishReadyToRun=true            (--ready-to-run) precompiled IL beside the JIT; not trimmed, and not a single
#   (--ready-to-run)                  file, which would unpack its native libraries into a writable directory that
#                                     ProtectSystem=strict does not give.
#   RunAnalyzers=false                the code analyzers and style rules change nothing in the output; the build of
#                                     the tree that was tested ran them (warnings are errors). A third of the
#                                     publish's CPU (72 → 48 CPU-seconds measured), paid in every test run.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

main() {
  local output="" version="" tar=0 aot=1 publish_dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --output) output=${2:?--output needs a directory}; shift 2 ;;
      --version) version=${2:?--version needs a value}; shift 2 ;;
      --tar) tar=1; shift ;;
      --aot) aot=1; shift ;;
      --ready-to-run) aot=0; shift ;;
      --publish-dir) publish_dir=${2:?--publish-dir needs a directory}; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) echo "build-bundle.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
  done
  [ -n "$output" ] || { echo "build-bundle.sh: --output DIR is required (see --help)" >&2; exit 64; }

  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  if [ -z "$version" ]; then
    version=$(default_version "$repo")
  fi
  if ! [[ $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
    echo "build-bundle.sh: version '$version' may hold letters, digits, '.', '_', '+' and '-' only" >&2
    exit 64
  fi

  mkdir -p "$output"
  output=$(cd "$output" && pwd)
  local name="edgegateway-$version-linux-arm64"
  local bundle="$output/$name"
  local staging="$output/.$name.partial"
  rm -rf "$staging"
  mkdir -p "$staging"

  if [ -n "$publish_dir" ]; then
    cp -a "$publish_dir/." "$staging/"
  else
    local artifacts
    artifacts=$(mktemp -d)
    # A build directory of its own (--artifacts-path): the publish neither reads nor rewrites the work tree's bin/
    # and obj/ folders, so it runs beside a build or a test run of the same tree.
    local compile=(-p:PublishReadyToRun=true)
    if [ "$aot" -eq 1 ]; then
      local compiler
      compiler=$(cross_compiler) || exit 1
      cross_toolchain_present || exit 1
      compile=(-p:PublishAot=true "-p:CppCompilerAndLinker=$compiler" -p:ObjCopyName=aarch64-linux-gnu-objcopy)
    fi
    if ! dotnet publish "$repo/src/EdgeGateway" -c Release -r linux-arm64 --self-contained \
        -p:InvariantGlobalization=true "${compile[@]}" -p:PublishDocumentationFiles=false -p:RunAnalyzers=false \
        --artifacts-path "$artifacts" -o "$staging" -nologo; then
      rm -rf "$artifacts" "$staging"
      echo "build-bundle.sh: dotnet publish failed" >&2
      exit 1
    fi
    rm -rf "$artifacts"
    if [ "$aot" -eq 1 ]; then
      # The native build's debug symbols (EdgeGateway.dbg, several times the program's size) stay off the Pi, and so
      # do the libraries' .pdb files, which describe IL that is not in the bundle.
      rm -f "$staging"/*.dbg "$staging"/*.pdb
    fi
  fi
  [ -x "$staging/EdgeGateway" ] || { echo "build-bundle.sh: no EdgeGateway executable in the publish output" >&2; exit 1; }

  printf '%s\n' "$version" > "$staging/VERSION"
  mkdir -p "$staging/deploy/raspberry-pi"
  local file
  for file in install.sh upgrade.sh rollback.sh uninstall.sh apply-signed-bundle.sh lib.sh edgegateway.service gateway.json; do
    cp "$repo/deploy/gateway/$file" "$staging/deploy/$file"
  done
  chmod 0755 "$staging"/deploy/*.sh
  chmod 0644 "$staging/deploy/lib.sh"
  cp "$repo/deploy/README.md" "$staging/deploy/README.md"
  for file in 99-edgegateway.rules edgegateway-modules.conf edgegateway-watchdog.conf; do
    cp "$repo/firmware-config/raspberry-pi/$file" "$staging/deploy/raspberry-pi/$file"
  done

  rm -rf "$bundle"
  mv "$staging" "$bundle"
  if [ "$tar" -eq 1 ]; then
    # Owned by root in the archive: extracted with sudo, no file of the gateway is writable by a login user.
    tar -C "$output" --owner=0 --group=0 --numeric-owner -czf "$output/$name.tar.gz.partial" "$name"
    mv "$output/$name.tar.gz.partial" "$output/$name.tar.gz"
    echo "build-bundle.sh: $output/$name.tar.gz"
  fi
  echo "build-bundle.sh: $bundle"
}

# The C compiler that links the Native AOT build for arm64: clang under its plain name or Debian's clang-14.
cross_compiler() {
  local candidate
  for candidate in clang clang-14; do
    if command -v "$candidate" >/dev/null; then
      printf '%s\n' "$candidate"
      return
    fi
  done
  echo "build-bundle.sh: the Native AOT build needs clang and the arm64 cross toolchain (see --help), or use --ready-to-run" >&2
  return 1
}

# The arm64 linker, objcopy and C library the link needs (Debian's cross packages), named when one is missing rather
# than left to a linker error deep in the publish's output.
cross_toolchain_present() {
  local missing=()
  command -v aarch64-linux-gnu-ld.bfd >/dev/null || missing+=(binutils-aarch64-linux-gnu)
  command -v aarch64-linux-gnu-objcopy >/dev/null || missing+=(binutils-aarch64-linux-gnu)
  [ -e /usr/aarch64-linux-gnu/lib/crt1.o ] || missing+=(libc6-dev-arm64-cross)
  compgen -G '/usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a' >/dev/null || missing+=(libgcc-12-dev-arm64-cross)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build-bundle.sh: the Native AOT build for arm64 needs $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(apt-get install), or use --ready-to-run" >&2
    return 1
  fi
}

default_version() {
  local repo=$1 base commit dirty=""
  base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)
  [ -n "$base" ] || base=0.0.0
  if commit=$(git -C "$repo" rev-parse --short=10 HEAD 2>/dev/null); then
    if [ -n "$(git -C "$repo" status --porcelain 2>/dev/null)" ]; then
      dirty="-dirty.$(date -u +%Y%m%d%H%M%S)"
    fi
    printf '%s-g%s%s\n' "$base" "$commit" "$dirty"
  else
    printf '%s-local.%s\n' "$base" "$(date -u +%Y%m%d%H%M%S)"
  fi
}

main "$@"
