#!/usr/bin/env bash
# Installs the production Mosquitto broker for EdgeGateway on Debian/Ubuntu: the package, a CA and server
# certificate (make-credentials.sh), /etc/mosquitto/conf.d/edgegateway.conf (TLS only, no anonymous access,
# persistence, the ACL), and the service restarted. Idempotent: run it again after changing an option.
#
#   sudo deploy/mosquitto/install.sh --server-name mqtt.example.cn [--server-ip IP]... [--port 8883]
#       [--bind ADDRESS] [--mtls-port PORT] [--dir /etc/mosquitto/edgegateway] [--conf-dir /etc/mosquitto/conf.d]
#       [--no-apt] [--no-service]
#
# --server-name / --server-ip  the names gateways and hubs use to reach the broker (in the certificate)
# --port, --bind               the TLS listener (default 8883 on every address)
# --mtls-port PORT             also a listener that authenticates clients by certificate (edgegateway.mtls.conf)
# --dir                        credentials, password file, ACL (make-credentials.sh --dir)
# --conf-dir                   where the configuration goes (Debian's mosquitto.conf includes /etc/mosquitto/conf.d)
# --no-apt                     do not install packages; --no-service: do not touch systemd (render files only)
#
# Accounts are added afterwards with make-credentials.sh (--hub, --gateway, --reader) and `systemctl reload mosquitto`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=/etc/mosquitto/edgegateway
conf_dir=/etc/mosquitto/conf.d
port=8883
bind=""
mtls_port=""
apt=true
service=true
credential_args=()

die() {
  echo "mosquitto/install: $*" >&2
  exit 2
}

port_ok() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --server-name|--server-ip) credential_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --bind) bind=${2:?--bind needs an address}; shift 2 ;;
    --mtls-port) mtls_port=${2:?--mtls-port needs a number}; shift 2 ;;
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --conf-dir) conf_dir=${2:?--conf-dir needs a directory}; shift 2 ;;
    --no-apt) apt=false; shift ;;
    --no-service) service=false; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
port_ok "$port" || die "--port: '$port' is not a port"
[ -z "$mtls_port" ] || port_ok "$mtls_port" || die "--mtls-port: '$mtls_port' is not a port"
[ "$port" != "$mtls_port" ] || die "--mtls-port must differ from --port"
[[ $bind =~ ^[0-9A-Za-z.:-]*$ ]] || die "--bind: '$bind' is not an address"

if $apt && { [ ! -x /usr/sbin/mosquitto ] || ! command -v mosquitto_passwd >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; }; then
  [ "$(id -u)" -eq 0 ] || die "run as root to install the packages (or install mosquitto and openssl first)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mosquitto openssl
fi

"$here/make-credentials.sh" --dir "$dir" "${credential_args[@]}"

# The shipped files with this machine's listener and paths; nothing else is changed.
render() { # source, destination, port
  local listener="listener $3"
  [ -z "$bind" ] || listener="$listener $bind"
  sed -e "s|/etc/mosquitto/edgegateway/|${dir%/}/|g" -e "s|^listener [0-9]*\$|$listener|" "$1" >"$2.tmp"
  chmod 0644 "$2.tmp"
  mv "$2.tmp" "$2"
}

mkdir -p "$conf_dir"
render "$here/edgegateway.conf" "$conf_dir/edgegateway.conf" "$port"
if [ -n "$mtls_port" ]; then
  render "$here/edgegateway.mtls.conf" "$conf_dir/edgegateway.mtls.conf" "$mtls_port"
else
  rm -f "$conf_dir/edgegateway.mtls.conf"
fi
echo "wrote $conf_dir/edgegateway.conf${mtls_port:+ and edgegateway.mtls.conf} (TLS on ${bind:-every address}:$port${mtls_port:+, mutual TLS on $mtls_port})"

if $service; then
  command -v systemctl >/dev/null 2>&1 || die "systemctl not found: start mosquitto yourself (or pass --no-service)"
  systemctl enable mosquitto >/dev/null 2>&1 || true
  systemctl restart mosquitto
  if ! systemctl is-active --quiet mosquitto; then
    journalctl -u mosquitto -n 30 --no-pager >&2 || true
    die "mosquitto did not start: see the log above"
  fi
  echo "mosquitto is running: TLS on port $port${mtls_port:+, mutual TLS on $mtls_port}"
fi
