#!/usr/bin/env bash
# Installs the EdgeGateway hub as a systemd service on Debian/Ubuntu: the published hub under
# /opt/edgegateway-hub/releases/ (the current one linked as /opt/edgegateway-hub/current), the system user
# edgegateway-hub, /etc/edgegateway/hub.json (an example the first time, never overwritten), the unit
# edgegateway-hub.service, enabled and (re)started. Idempotent: run it again to upgrade; the previous two releases
# are kept for a rollback (ln -sfn releases/OLD /opt/edgegateway-hub/current && systemctl restart edgegateway-hub).
#
#   sudo deploy/hub/install.sh [--from DIR] [--runtime linux-x64|linux-arm64] [--mqtt-dir DIR] [--no-start]
#       [--console-admin admin]
#       [--prefix /opt/edgegateway-hub] [--config-dir /etc/edgegateway] [--unit-dir /etc/systemd/system]
#       [--root DIR]
#
# --from DIR      a published hub (dotnet publish src/EdgeGateway.Hub -c Release -r RID --self-contained -o DIR,
#                 made on a build machine); without it the hub is published here from this repository (needs the
#                 .NET SDK of global.json and npm)
# --mqtt-dir DIR  the hub's broker account from make-credentials.sh (accounts/edge-hub): its mqtt-ca.pem,
#                 mqtt-password (and mqtt-client.pem/.key) are copied to the configuration directory
# --console-admin NAME  the first web-console user, made when /etc/edgegateway/hub-users.json does not exist yet
#                 (default admin; role admin; a random password printed once). More users, other passwords:
#                 EdgeGateway.Hub add-user NAME --role ROLE --users-file /etc/edgegateway/hub-users.json
# --no-start      install, do not (re)start the service
# --root DIR      install into DIR as a file system root (packaging, tests): no user, no systemctl
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
from=""
runtime=""
mqtt_dir=""
start=true
prefix=/opt/edgegateway-hub
config_dir=/etc/edgegateway
unit_dir=/etc/systemd/system
root=""
user=edgegateway-hub
console_admin="admin"

die() {
  echo "hub/install: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=${2:?--from needs a directory}; shift 2 ;;
    --runtime) runtime=${2:?--runtime needs linux-x64 or linux-arm64}; shift 2 ;;
    --mqtt-dir) mqtt_dir=${2:?--mqtt-dir needs a directory}; shift 2 ;;
    --no-start) start=false; shift ;;
    --console-admin) console_admin=${2:?--console-admin needs a user name}; shift 2 ;;
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --config-dir) config_dir=${2:?--config-dir needs a directory}; shift 2 ;;
    --unit-dir) unit_dir=${2:?--unit-dir needs a directory}; shift 2 ;;
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
for path in "$prefix" "$config_dir" "$unit_dir"; do
  [[ $path == /* ]] || die "'$path' must be an absolute path"
done
if [ -z "$root" ]; then
  [ "$(id -u)" -eq 0 ] || die "run as root (or --root DIR to stage the files)"
  start_service=$start
else
  root=$(cd "$root" && pwd)
  start_service=false
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the published hub --------------------------------------------------------------------------------------------
if [ -z "$from" ]; then
  command -v dotnet >/dev/null 2>&1 || die "no --from and no .NET SDK: publish the hub on a build machine and pass --from DIR"
  if [ -z "$runtime" ]; then
    case "$(uname -m)" in
      x86_64) runtime=linux-x64 ;;
      aarch64) runtime=linux-arm64 ;;
      *) die "unknown machine $(uname -m): say --runtime" ;;
    esac
  fi
  echo "publishing the hub for $runtime (self-contained) ..."
  dotnet publish "$repo/src/EdgeGateway.Hub" -c Release -r "$runtime" --self-contained -o "$work/publish" -nologo -v quiet
  from="$work/publish"
fi
[ -f "$from/EdgeGateway.Hub.dll" ] || die "$from holds no published hub (EdgeGateway.Hub.dll)"
[ -x "$from/EdgeGateway.Hub" ] || die "$from has no EdgeGateway.Hub executable (publish with -r linux-x64 or linux-arm64)"

version=$(date -u +%Y%m%d%H%M%S)
if [ -d "$repo/.git" ] && command -v git >/dev/null 2>&1; then
  version="$version-$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo local)"
fi
releases="$root$prefix/releases"
mkdir -p "$releases"
cp -a "$from" "$releases/$version.tmp"
chmod -R go-w "$releases/$version.tmp"
mv "$releases/$version.tmp" "$releases/$version"
ln -sfn "releases/$version" "$root$prefix/current.tmp"
mv -T "$root$prefix/current.tmp" "$root$prefix/current"
echo "installed $prefix/releases/$version (now $prefix/current)"
# Keep the current release and the two before it.
mapfile -t old < <(find "$releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | head -n -3)
for release in "${old[@]}"; do
  rm -rf "${releases:?}/$release"
done

# --- the service user ---------------------------------------------------------------------------------------------
group=$user
if [ -z "$root" ]; then
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/edgegateway-hub --no-create-home --shell /usr/sbin/nologin \
      --comment "EdgeGateway hub" "$user"
    echo "created system user $user"
  fi
else
  group=$(id -gn)
fi

# --- settings -----------------------------------------------------------------------------------------------------
conf="$root$config_dir"
mkdir -p "$conf"
chmod 0750 "$conf"
chgrp "$group" "$conf"
if [ ! -e "$conf/hub.json" ]; then
  install -m 0640 "$here/hub.json" "$conf/hub.json"
  chgrp "$group" "$conf/hub.json"
  echo "wrote the example $config_dir/hub.json: set the broker, the database and the secrets' files (deploy/README.md)"
fi
if [ ! -e "$conf/hub-users.json" ]; then
  [[ $console_admin =~ ^[A-Za-z0-9._@-]{1,64}$ ]] || die "--console-admin: '$console_admin' is not a user name"
  console_password=$(openssl rand -base64 12 | tr -d '/+=' | cut -c1-12)
  hash=$("$here/hash-password.sh" <<<"$console_password")
  printf '{\n  "%s": { "PasswordHash": "%s", "Role": "admin", "DisplayName": "%s" }\n}\n' \
    "$console_admin" "$hash" "$console_admin" >"$work/hub-users.json"
  install -m 0640 "$work/hub-users.json" "$conf/hub-users.json"
  chgrp "$group" "$conf/hub-users.json"
  echo "made web-console user $console_admin (role admin), password: $console_password"
  echo "  change it: $prefix/current/EdgeGateway.Hub add-user $console_admin --role admin --users-file $config_dir/hub-users.json"
  echo "  then: chgrp $group $config_dir/hub-users.json && chmod 0640 $config_dir/hub-users.json && systemctl restart edgegateway-hub"
fi
if [ -n "$mqtt_dir" ]; then
  for file in mqtt-ca.pem mqtt-password mqtt-client.pem mqtt-client.key; do
    if [ -f "$mqtt_dir/$file" ]; then
      install -m 0640 "$mqtt_dir/$file" "$conf/$file"
      chgrp "$group" "$conf/$file"
      echo "copied $file to $config_dir"
    fi
  done
fi

# --- the unit -----------------------------------------------------------------------------------------------------
mkdir -p "$root$unit_dir"
sed -e "s|/opt/edgegateway-hub/|${prefix%/}/|g" "$here/edgegateway-hub.service" >"$work/edgegateway-hub.service"
install -m 0644 "$work/edgegateway-hub.service" "$root$unit_dir/edgegateway-hub.service"
echo "installed $unit_dir/edgegateway-hub.service"

if [ -z "$root" ]; then
  systemctl daemon-reload
  systemctl enable edgegateway-hub >/dev/null 2>&1
fi
if $start_service; then
  if grep -q 'mqtt.example.cn' "$conf/hub.json"; then
    echo "not started: $config_dir/hub.json is still the example (Hub:Broker); edit it, then: systemctl restart edgegateway-hub"
  else
    systemctl restart edgegateway-hub
    sleep 3
    if systemctl is-active --quiet edgegateway-hub; then
      echo "edgegateway-hub is running: journalctl -u edgegateway-hub -f"
    else
      journalctl -u edgegateway-hub -n 40 --no-pager >&2 || true
      die "edgegateway-hub did not stay up: see the log above"
    fi
  fi
fi
