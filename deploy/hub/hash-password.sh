#!/usr/bin/env bash
# Prints the password hash a web-console user needs (Console:Users:{name}:PasswordHash, or the users file), in
# ASP.NET Core Identity's format (version 3: PBKDF2-HMAC-SHA512, 100,000 iterations, a random 128-bit salt, a
# 256-bit key) — what the hub's PasswordHasher checks, and what `EdgeGateway.Hub hash-password` makes.
#
#   deploy/hub/hash-password.sh <<<'the password'          (the first line of standard input)
#
# The password is never an argument of this script. openssl receives it as one for the few milliseconds the
# derivation takes: run it on a machine where no other user is watching the process list, or use
# `EdgeGateway.Hub hash-password` where the installed hub has it.
set -euo pipefail

command -v openssl >/dev/null 2>&1 || { echo "hash-password: openssl is required" >&2; exit 2; }
password=""
IFS= read -r password || true
password=${password%$'\r'}
if [ -z "$password" ]; then
  echo "hash-password: give the password on standard input" >&2
  exit 2
fi

salt=$(openssl rand -hex 16)
key=$(openssl kdf -keylen 32 -kdfopt digest:SHA512 -kdfopt "pass:$password" -kdfopt "hexsalt:$salt" \
  -kdfopt iter:100000 PBKDF2 | tr -d ':\n')
[ ${#key} -eq 64 ] || { echo "hash-password: openssl kdf failed (OpenSSL 3 is needed)" >&2; exit 2; }
# 0x01 (format 3), PRF 2 (HMACSHA512), 100000 iterations, 16-byte salt — big-endian 32-bit numbers — salt, key.
hex="01""00000002""000186a0""00000010$salt$key"
# shellcheck disable=SC2059 # the format is the bytes themselves, as \xNN escapes
printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64 -w 0
echo
