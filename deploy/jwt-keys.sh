#!/usr/bin/env bash
# Makes an RSA key pair for bearer tokens in deploy/jwt/ (git-ignored): public.pem is what the
# gateway verifies with (MP_JWT_VERIFY_PUBLICKEY_LOCATION), private.pem is what mint-token.sh
# signs with. For trying the stack out only: in production the identity provider holds the key.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/jwt"
mkdir -p "$dir"
if [[ -f "$dir/private.pem" ]]; then
  echo "jwt-keys: $dir/private.pem exists; keeping it" >&2
else
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/private.pem" 2>/dev/null
  chmod 600 "$dir/private.pem"
fi
openssl pkey -in "$dir/private.pem" -pubout -out "$dir/public.pem"
chmod 644 "$dir/public.pem"
echo "jwt-keys: $dir/public.pem (verify) and $dir/private.pem (sign)" >&2
