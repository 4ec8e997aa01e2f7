#!/usr/bin/env bash
# Broker credentials for EdgeGateway: a CA, the broker's server certificate, and one account per gateway, hub
# instance and read-only consumer — a password (and, with --mtls, a client certificate) for each, the broker's
# password file and the ACL that confines each account to its topics. Idempotent: what exists is kept (the CA,
# the certificates while valid, every password), what is missing is made, and the password file and ACL are
# rewritten from the accounts. Reload the broker afterwards (systemctl reload mosquitto) for it to take effect.
#
#   deploy/mosquitto/make-credentials.sh [--dir DIR] [--server-name NAME]... [--server-ip IP]...
#       [--hub NAME]... [--reader NAME]... [--gateway SITE/GW]... [--gateways-file FILE] [--remove USER]... [--mtls]
#       [--broker-url mqtts://HOST:PORT] [--group GROUP] [--list]
#
# DIR (default /etc/mosquitto/edgegateway) afterwards holds:
#   ca.key ca.crt                 the CA (ca.key never leaves this machine: keep a copy offline)
#   server.key server.crt         the broker's certificate; always valid for localhost and 127.0.0.1
#   passwd acl                    read by mosquitto (password_file, acl_file)
#   accounts/USER/                one account: role, password, and the files to hand over —
#       mqtt-ca.pem mqtt-password [mqtt-client.pem mqtt-client.key] [gateway.json]
#     (gateways: copy them to the Pi's /etc/edgegateway/, see deploy/README.md; hubs: to the hub's /etc/edgegateway/)
#
# --gateways-file FILE takes the gateways from FILE, one SITE/GW per line (`edgegateway provision` writes gateways.txt).
#
# Account names: a gateway SITE/GW is user gw-SITE-GW; hubs and readers are named. The broker takes the account name
# as the client id (use_username_as_clientid), so one account is one session. A hub instance NAME makes four
# connections, so --hub NAME makes the broker users NAME, NAME-alarms, NAME-peers and NAME-console, with one password and the
# hub's grants; run several hub instances as several --hub accounts. Hubs use the password listener: with --mtls a
# hub's one certificate would give its four connections one client id.
#   hub     reads edge/v1/#, publishes commands (edge/v1/+/+/cmd/#) and its own topics (edge/v1/_hub/#,
#           edge/v1/_deadletter/#)
#   reader  reads edge/v1/# only (Telegraf, monitoring)
#   gateway publishes its own status, ports/#, bins/#, alarms, sessions, sessions/resumed; reads its own cmd/+; publishes command
#           replies to edge/v1/_hub/replies/# (the hub's response topics)
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

die() {
  echo "make-credentials: $*" >&2
  exit 2
}

dir=/etc/mosquitto/edgegateway
server_names=()
server_ips=()
hubs=()
readers=()
gateways=()
removals=()
mtls=false
broker_url=""
group=""
list=false
ca_days=3650
cert_days=825

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --server-name) server_names+=("${2:?--server-name needs a host name}"); shift 2 ;;
    --server-ip) server_ips+=("${2:?--server-ip needs an address}"); shift 2 ;;
    --hub) hubs+=("${2:?--hub needs a name}"); shift 2 ;;
    --reader) readers+=("${2:?--reader needs a name}"); shift 2 ;;
    --gateway) gateways+=("${2:?--gateway needs SITE/GW}"); shift 2 ;;
    --gateways-file)
      [ -f "${2:?--gateways-file needs a file}" ] || die "--gateways-file: $2 not found"
      while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        [ -z "$line" ] || gateways+=("$line")
      done <"$2"
      shift 2 ;;
    --remove) removals+=("${2:?--remove needs a user name}"); shift 2 ;;
    --mtls) mtls=true; shift ;;
    --broker-url) broker_url=${2:?--broker-url needs mqtts://host:port}; shift 2 ;;
    --group) group=${2:?--group needs a group}; shift 2 ;;
    --list) list=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done

for tool in openssl mosquitto_passwd; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (Debian: apt-get install openssl mosquitto)"
done

# The group mosquitto runs as reads the server key, the password file and the ACL.
if [ -z "$group" ]; then
  if getent group mosquitto >/dev/null 2>&1; then group=mosquitto; else group=$(id -gn); fi
fi

name_ok() { [[ $1 =~ ^[A-Za-z0-9_-]{1,64}$ ]]; }
segment_ok() { [[ $1 =~ ^[A-Za-z0-9_-]+$ ]]; }

if [ -n "$broker_url" ] && [[ ! $broker_url =~ ^mqtts://[^/:]+:[0-9]+$ ]]; then
  die "--broker-url: '$broker_url' must be mqtts://host:port"
fi

umask 077
mkdir -p "$dir/accounts"
chmod 0750 "$dir"
chgrp "$group" "$dir" 2>/dev/null || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_key() { # file
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 0600 "$1"
}

serial() { echo "0x$(openssl rand -hex 16)"; }

# A certificate valid for 30 more days and matching what is asked is kept.
cert_current() { # cert, wanted description file
  [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend 2592000 >/dev/null 2>&1 \
    && [ -s "$1.request" ] && cmp -s "$1.request" "$2"
}

# --- CA --------------------------------------------------------------------------------------------------------------
if [ ! -s "$dir/ca.key" ] || [ ! -s "$dir/ca.crt" ]; then
  [ -e "$dir/ca.crt" ] && die "$dir/ca.crt exists without ca.key: restore the key or move the CA aside"
  new_key "$dir/ca.key"
  cat >"$work/ca.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = ca
[dn]
CN = EdgeGateway MQTT CA $(hostname -s 2>/dev/null || echo broker) $(date -u +%Y%m%d%H%M%S)
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  openssl req -x509 -new -config "$work/ca.cnf" -key "$dir/ca.key" -sha256 -days "$ca_days" \
    -set_serial "$(serial)" -out "$dir/ca.crt"
  chmod 0644 "$dir/ca.crt"
  echo "made CA $dir/ca.crt (keep a copy of $dir/ca.key offline; it signs every certificate)"
fi

sign() { # csr, extensions file, out cert
  openssl x509 -req -in "$1" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "$(serial)" \
    -days "$cert_days" -sha256 -extfile "$2" -extensions ext -out "$3" 2>/dev/null
}

# --- server certificate ---------------------------------------------------------------------------------------------
names=(localhost "${server_names[@]}")
ips=(127.0.0.1 "${server_ips[@]}")
if [ -s "$dir/server.crt.request" ] && [ ${#server_names[@]} -eq 0 ] && [ ${#server_ips[@]} -eq 0 ]; then
  cp "$dir/server.crt.request" "$work/server.request" # nothing asked: keep the names the certificate has
else
  san=""
  for n in "${names[@]}"; do
    [[ $n =~ ^[A-Za-z0-9.*-]+$ ]] || die "--server-name: '$n' is not a host name"
    case ",$san," in *",DNS:$n,"*) ;; *) san="$san${san:+,}DNS:$n" ;; esac
  done
  for ip in "${ips[@]}"; do
    [[ $ip =~ ^[0-9A-Fa-f.:]+$ ]] || die "--server-ip: '$ip' is not an address"
    case ",$san," in *",IP:$ip,"*) ;; *) san="$san${san:+,}IP:$ip" ;; esac
  done
  echo "$san" >"$work/server.request"
fi
if ! cert_current "$dir/server.crt" "$work/server.request"; then
  [ -s "$dir/server.key" ] || new_key "$dir/server.key"
  san=$(cat "$work/server.request")
  cn=${san%%,*}
  cn=${cn#*:}
  [ ${#server_names[@]} -gt 0 ] && cn=${server_names[0]}
  cat >"$work/server.ext" <<EOF
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  openssl req -new -key "$dir/server.key" -subj "/CN=$cn" -out "$work/server.csr"
  sign "$work/server.csr" "$work/server.ext" "$dir/server.crt"
  cp "$work/server.request" "$dir/server.crt.request"
  echo "made server certificate $dir/server.crt for $san"
fi
chmod 0644 "$dir/server.crt"
chmod 0640 "$dir/server.key"
chgrp "$group" "$dir/server.key" 2>/dev/null || true

# --- accounts -------------------------------------------------------------------------------------------------------
for user in "${removals[@]}"; do
  name_ok "$user" || die "--remove: '$user' is not an account name"
  if [ -d "$dir/accounts/$user" ]; then
    rm -rf "${dir:?}/accounts/$user"
    echo "removed account $user"
  fi
done

add_account() { # user, role line
  local user=$1 role=$2 account="$dir/accounts/$1"
  if [ -f "$account/role" ] && [ "$(cat "$account/role")" != "$role" ]; then
    die "account $user exists as '$(cat "$account/role")', not '$role' (--remove it first)"
  fi
  mkdir -p "$account"
  chmod 0700 "$account"
  [ -f "$account/role" ] || echo "$role" >"$account/role"
  if [ ! -s "$account/mqtt-password" ]; then
    openssl rand -hex 24 >"$account/mqtt-password"
    echo "made account $user ($role)"
  fi
  chmod 0600 "$account/mqtt-password"
  cp "$dir/ca.crt" "$account/mqtt-ca.pem"
  chmod 0644 "$account/mqtt-ca.pem"
  if $mtls || [ -s "$account/mqtt-client.pem" ]; then
    echo "client $user" >"$work/client.request"
    if ! cert_current "$account/mqtt-client.pem" "$work/client.request"; then
      [ -s "$account/mqtt-client.key" ] || new_key "$account/mqtt-client.key"
      cat >"$work/client.ext" <<EOF
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
      # The broker's mTLS listener takes the certificate's CN as the user name (use_identity_as_username).
      openssl req -new -key "$account/mqtt-client.key" -subj "/CN=$user" -out "$work/client.csr"
      sign "$work/client.csr" "$work/client.ext" "$account/mqtt-client.pem"
      cp "$work/client.request" "$account/mqtt-client.pem.request"
      echo "made client certificate for $user"
    fi
  fi
}

for hub in "${hubs[@]}"; do
  name_ok "$hub" || die "--hub: '$hub' must be 1-64 of A-Z a-z 0-9 _ -"
  add_account "$hub" hub
done
for reader in "${readers[@]}"; do
  name_ok "$reader" || die "--reader: '$reader' must be 1-64 of A-Z a-z 0-9 _ -"
  add_account "$reader" reader
done
for gw in "${gateways[@]}"; do
  site=${gw%%/*}
  id=${gw#*/}
  { [ "$site/$id" = "$gw" ] && segment_ok "$site" && segment_ok "$id"; } \
    || die "--gateway: '$gw' must be SITE/GW, each of A-Z a-z 0-9 _ - (the ids in the site file)"
  user="gw-$site-$id"
  add_account "$user" "gateway $site $id"
done

# Every account's files, refreshed (the CA copy, gateway.json) whether or not it was asked for this time.
for account in "$dir"/accounts/*/; do
  [ -f "$account/role" ] || continue
  user=$(basename "$account")
  read -r kind site id <"$account/role"
  if [ "$kind" = gateway ] && [ -n "$broker_url" ]; then
    cert_lines=""
    if [ -s "$account/mqtt-client.pem" ]; then
      cert_lines=$'\n    "ClientCertificateFile": "/etc/edgegateway/mqtt-client.pem",\n    "ClientKeyFile": "/etc/edgegateway/mqtt-client.key",'
    fi
    cat >"$account/gateway.json" <<EOF
{
  "//": "/etc/edgegateway/gateway.json of gateway $site/$id (made by deploy/mosquitto/make-credentials.sh). Its files go beside it: mqtt-ca.pem, mqtt-password (mode 0600, owner edgegateway).",
  "Mqtt": {
    "Broker": "$broker_url",
    "CaFile": "/etc/edgegateway/mqtt-ca.pem",$cert_lines
    "Username": "$user",
    "PasswordFile": "/etc/edgegateway/mqtt-password"
  }
}
EOF
  fi
done

# --- password file and ACL, rewritten from the accounts ------------------------------------------------------------
: >"$work/passwd"
{
  echo "# EdgeGateway broker ACL — generated by deploy/mosquitto/make-credentials.sh from $dir/accounts; do not edit."
  echo "# Topics: MQTT contract v1 (src/EdgeGateway.Contracts/README.md). Anything not granted here is refused."
  echo "# No pattern lines, no anonymous section: an account reaches only what its own block lists."
} >"$work/acl"
for account in "$dir"/accounts/*/; do
  [ -f "$account/role" ] || continue
  user=$(basename "$account")
  read -r kind site id <"$account/role"
  # A hub instance connects four times (ingest, alarms, peers, console): an account, thus a client id, for each.
  users=("$user")
  [ "$kind" = hub ] && users+=("$user-alarms" "$user-peers" "$user-console")
  for broker_user in "${users[@]}"; do
    # mosquitto_passwd reads the password twice from standard input: it never appears on a command line.
    printf '%s\n%s\n' "$(cat "$account/mqtt-password")" "$(cat "$account/mqtt-password")" \
      | mosquitto_passwd "$work/passwd" "$broker_user" >/dev/null
  done
  {
    echo
    case "$kind" in
      hub)
        for broker_user in "${users[@]}"; do
          echo "# hub instance $user ($broker_user): reads everything, sends commands, publishes its own topics"
          echo "user $broker_user"
          echo "topic read edge/v1/#"
          echo "topic write edge/v1/+/+/cmd/#"
          echo "topic write edge/v1/+/+/cards"
          echo "topic readwrite edge/v1/_hub/#"
          echo "topic readwrite edge/v1/_deadletter/#"
        done
        ;;
      reader)
        echo "# read-only consumer $user"
        echo "user $user"
        echo "topic read edge/v1/#"
        ;;
      gateway)
        echo "# gateway $site/$id"
        echo "user $user"
        echo "topic write edge/v1/$site/$id/status"
        echo "topic write edge/v1/$site/$id/ports/#"
        echo "topic write edge/v1/$site/$id/bins/#"
        echo "topic write edge/v1/$site/$id/alarms"
        echo "topic write edge/v1/$site/$id/sessions"
        echo "topic write edge/v1/$site/$id/sessions/resumed"
        echo "topic read edge/v1/$site/$id/cmd/+"
        echo "topic read edge/v1/$site/$id/cards"
        echo "topic write edge/v1/_hub/replies/#"
        ;;
      *) die "$account/role: unknown role '$kind'" ;;
    esac
  } >>"$work/acl"
done
install -m 0640 "$work/passwd" "$dir/passwd"
install -m 0640 "$work/acl" "$dir/acl"
chgrp "$group" "$dir/passwd" "$dir/acl" 2>/dev/null || true

if $list; then
  for account in "$dir"/accounts/*/; do
    [ -f "$account/role" ] || continue
    printf '%-40s %s\n' "$(basename "$account")" "$(cat "$account/role")"
  done
fi
