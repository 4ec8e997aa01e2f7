#!/usr/bin/env bash
# Prints the password hash a web-console user needs (Console:Users:{name}:PasswordHash, or the users file), in
# ASP.NET Core Identity's format (version 3: PBKDF2-HMAC-SHA512, 100,000 iterations, a random 128-bit salt, a
# 256-bit key) — what the hub's PasswordHasher checks, and what `EdgeGateway.Hub hash-password` makes.
#
#   deploy/hub/hash-password.sh                            (asks, without echo, on a terminal)
#   deploy/hub/hash-password.sh <<<'the password'          (or the first line of standard input)
#
# The password is never on a command line, neither this script's nor a tool's (the process list shows those to every
# user): it goes from standard input to python3's standard input through a pipe. (openssl's kdf takes the password
# only as an argument, so it is not used.)
set -euo pipefail

command -v python3 >/dev/null 2>&1 || { echo "hash-password: python3 is required (or use \`EdgeGateway.Hub hash-password\`)" >&2; exit 2; }
password=""
if [ -t 0 ]; then
  IFS= read -r -s -p "Password: " password || true
  echo >&2
else
  IFS= read -r password || true
fi
password=${password%$'\r'}
if [ -z "$password" ]; then
  echo "hash-password: give the password on standard input" >&2
  exit 2
fi

# printf is a bash builtin: no process, no argv. The program below is on python3's command line; the password is not.
# 0x01 (format 3), PRF 2 (HMACSHA512), 100000 iterations, 16-byte salt — big-endian 32-bit numbers — salt, key.
printf '%s' "$password" | python3 -c '
import base64, hashlib, os, struct, sys
password = sys.stdin.buffer.read()
salt = os.urandom(16)
key = hashlib.pbkdf2_hmac("sha512", password, salt, 100000, 32)
print(base64.b64encode(b"\x01" + struct.pack(">III", 2, 100000, 16) + salt + key).decode("ascii"))
'
