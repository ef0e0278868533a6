#!/usr/bin/env bash
# Prints a bearer token (RS256 JWT) for USER, signed with deploy/jwt/private.pem, valid for an
# hour. Usage: deploy/mint-token.sh alice [admin]
# The key can be elsewhere: JWT_PRIVATE_KEY=/path/to/private.pem.
# The issuer and audience must match the gateway's MP_JWT_VERIFY_ISSUER and MP_JWT_VERIFY_AUDIENCES
# (env JWT_ISSUER and JWT_AUDIENCE, same defaults as compose). With "admin" the token also
# carries the operators' group, the gateway's GATEWAY_ADMIN_ROLE (env JWT_ADMIN_ROLE, default
# upload-gateway-admin).
set -euo pipefail
user="${1:?usage: mint-token.sh USER [admin]}"
admin_role="${JWT_ADMIN_ROLE:-upload-gateway-admin}"
groups='["user"]'
[[ "${2:-}" == "admin" ]] && groups="[\"user\",\"$admin_role\"]"
issuer="${JWT_ISSUER:-https://issuer.upload-gateway.local}"
audience="${JWT_AUDIENCE:-upload-gateway}"
key="${JWT_PRIVATE_KEY:-$(cd "$(dirname "$0")" && pwd)/jwt/private.pem}"
now="$(date +%s)"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
header="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)"
payload="$(printf '{"iss":"%s","aud":"%s","sub":"%s","upn":"%s","groups":%s,"iat":%d,"exp":%d}' \
  "$issuer" "$audience" "$user" "$user" "$groups" "$now" "$((now + 3600))" | b64url)"
signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$key" -binary | b64url)"
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
