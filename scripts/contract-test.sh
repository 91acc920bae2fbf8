#!/usr/bin/env bash
# The API contract, tested from outside (issue 16): Schemathesis drives every operation of
# /api/v1/schema with generated data, once per role with that role's token, against a live
# gunicorn on the PostgreSQL of scripts/with-services.sh holding the demo world. It fails on any
# server error, any status code, content type, header or body the schema does not document, and
# any object of another district in a district officer's answers (scripts/contract_checks.py).
#
# Run by `make test` (after the pytest suite); alone: scripts/with-services.sh scripts/contract-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EXAMPLES=${CONTRACT_EXAMPLES:-10}
: "${DATABASE_URL:?run me under scripts/with-services.sh}"
export DJANGO_SETTINGS_MODULE=config.settings.test
# The server counts no throttle the generator would hit, and shows a change at once.
export API_RATE_READ=1000000/min API_RATE_WRITE=1000000/min API_RATE_QUOTE=1000000/min API_RATE_LOGIN=1000000/min
export EVENTS_SETTLE_SECONDS=0
started=$(date +%s)
mkdir -p artifacts
export PYTHONPATH=.${PYTHONPATH:+:$PYTHONPATH}

$PY manage.py migrate --noinput >/dev/null
$PY manage.py demo_data >/dev/null
tokens=$($PY -c '
import django
django.setup()
from rest_framework.authtoken.models import Token
from apps.accounts.models import User
for user in User.objects.order_by("username"):
    token, _ = Token.objects.get_or_create(user=user)
    scoped = user.district_id and user.role == "district_officer"
    print(user.username, token.key, user.district.code if scoped else "-")
')

port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$port" --workers 2 --log-level warning 2> artifacts/contract-server.log &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1/schema" >/dev/null && break; sleep 0.2; done

# Rotating or revoking would end the very token the run uses (tests/accounts/test_token_api.py covers them).
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,stays_in_district
failed=0
while read -r username token districts; do
  [ "$districts" = "-" ] && districts=""
  echo "== $username${districts:+ (district $districts)}"
  if ! SCHEMATHESIS_HOOKS=scripts.contract_checks CONTRACT_DISTRICTS="$districts" \
      .venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/schema" \
        -H "Authorization: Token $token" --checks "$checks" --max-examples "$EXAMPLES" \
        --exclude-path-regex '^/api/v1/auth/token/(rotate|revoke)$' \
        --phases examples,fuzzing --seed 1 --no-color --suppress-health-check all > "artifacts/contract-$username.txt" 2>&1; then
    failed=1
    grep -E "^_+ |^- ST|Received|Documented|^\[[0-9]+\]|AssertionError|read objects" "artifacts/contract-$username.txt" | head -40
  fi
  grep -E "generated|passed|failures" "artifacts/contract-$username.txt" | tail -2
done <<< "$tokens"
echo "contract tests: $(( $(date +%s) - started )) s"
exit $failed
