#!/usr/bin/env bash
# Prints a bearer token (RS256 JWT) for USER, signed with deploy/jwt/private.pem, valid for an
# hour. Usage: deploy/mint-token.sh alice [admin]
# The key can be elsewhere: JWT_PRIVATE_KEY=/path/to/private.pem.
# The issuer must match the gateway's MP_JWT_VERIFY_ISSUER (env JWT_ISSUER, same default as compose).
set -euo pipefail
user="${1:?usage: mint-token.sh USER [admin]}"
groups='["user"]'
[[ "${2:-}" == "admin" ]] && groups='["user","admin"]'
issuer="${JWT_ISSUER:-https://issuer.upload-gateway.local}"
key="${JWT_PRIVATE_KEY:-$(cd "$(dirname "$0")" && pwd)/jwt/private.pem}"
now="$(date +%s)"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
header="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)"
payload="$(printf '{"iss":"%s","sub":"%s","upn":"%s","groups":%s,"iat":%d,"exp":%d}' \
  "$issuer" "$user" "$user" "$groups" "$now" "$((now + 3600))" | b64url)"
signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$key" -binary | b64url)"
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
