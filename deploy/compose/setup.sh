#!/usr/bin/env bash
# Prepares deploy/compose for `docker compose up -d --build`: the broker's CA, server certificate and accounts
# (deploy/mosquitto/make-credentials.sh into state/mosquitto, owned by the mosquitto image's uid 1883), the hub's
# settings and broker credentials (state/hub, owned by the hub image's uid 1880), the self-contained hub build
# (state/hub-app), and .env with InfluxDB's initial admin password and token (mode 0600). Idempotent: run it again
# to add gateways; what exists is kept. NOT EXERCISED by the test suite (no Docker engine in CI).
#
#   sudo deploy/compose/setup.sh --server-name mqtt.example.cn [--server-ip IP]... [--gateway SITE/GW]...
#       [--runtime linux-x64|linux-arm64] [--no-build]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
state="$here/state"
credential_args=()
runtime=""
build=true

die() {
  echo "compose/setup: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --server-name|--server-ip|--gateway) credential_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --runtime) runtime=${2:?--runtime needs linux-x64 or linux-arm64}; shift 2 ;;
    --no-build) build=false; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root: the files are handed to the containers' users (uid 1883 and 1880)"

umask 077
mkdir -p "$state/hub"
"$repo/deploy/mosquitto/make-credentials.sh" --dir "$state/mosquitto" --hub edge-hub --group root "${credential_args[@]}"
# What the broker reads, for the image's mosquitto user; accounts/ (the passwords to hand over) stays root's.
chown 1883:1883 "$state/mosquitto" "$state/mosquitto/passwd" "$state/mosquitto/acl" "$state/mosquitto/server.key"
chmod 0700 "$state/mosquitto"
chmod 0600 "$state/mosquitto/passwd" "$state/mosquitto/acl" "$state/mosquitto/server.key"

install -m 0600 "$state/mosquitto/accounts/edge-hub/mqtt-password" "$state/hub/mqtt-password"
install -m 0644 "$state/mosquitto/ca.crt" "$state/hub/mqtt-ca.pem"
if [ ! -s "$state/hub/hub.json" ]; then
  cat >"$state/hub/hub.json" <<'JSON'
{
  "//": "The hub in deploy/compose (host network). The InfluxDB token comes from the environment (Hub__Influx__Token, .env); replace it with provision-v2.sh's hub token file (TokenFile) once provisioned.",
  "Urls": "http://127.0.0.1:8480",
  "Hub": {
    "Broker": "mqtts://127.0.0.1:8883",
    "ClientId": "edge-hub",
    "Username": "edge-hub",
    "PasswordFile": "/etc/edgegateway/mqtt-password",
    "CaFile": "/etc/edgegateway/mqtt-ca.pem",
    "Influx": { "Url": "http://127.0.0.1:8086", "Api": "V2", "Org": "edge", "Database": "edge" }
  },
  "Console": { "UsersFile": "/etc/edgegateway/hub-users.json" }
}
JSON
fi
chown -R 1880:1880 "$state/hub"
chmod 0700 "$state/hub"

if [ ! -s "$here/.env" ]; then
  printf 'INFLUX_ADMIN_PASSWORD=%s\nINFLUX_ADMIN_TOKEN=%s\n' "$(openssl rand -hex 24)" "$(openssl rand -hex 32)" >"$here/.env"
  chmod 0600 "$here/.env"
  echo "wrote $here/.env (InfluxDB's initial admin password and operator token: keep them)"
fi

if $build; then
  command -v dotnet >/dev/null 2>&1 || die "the .NET SDK is needed to publish the hub (or --no-build with state/hub-app filled)"
  if [ -z "$runtime" ]; then
    case "$(uname -m)" in x86_64) runtime=linux-x64 ;; aarch64) runtime=linux-arm64 ;; *) die "say --runtime" ;; esac
  fi
  rm -rf "$state/hub-app"
  dotnet publish "$repo/src/EdgeGateway.Hub" -c Release -r "$runtime" --self-contained -o "$state/hub-app" -nologo -v quiet
  chmod -R a+rX "$state/hub-app"
fi

cat <<TEXT
Ready. Next:
  cd $here && docker compose up -d --build
  console users: EdgeGateway.Hub add-user NAME --role admin --users-file $state/hub/hub-users.json (then chown 1880 it)
  gateways: hand each one its files from $state/mosquitto/accounts/gw-SITE-GW/ (deploy/README.md)
TEXT
