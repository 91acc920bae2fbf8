#!/usr/bin/env bash
# Known vulnerabilities of the pinned dependencies (requirements.txt, requirements-dev.txt), by
# pip-audit against PyPI's vulnerability data (VULN_SERVICE=osv for OSV's). Run by `make lint`.
#
#  - a known vulnerability fails the check (exit 1), unless scripts/vuln-ignore.txt lists its id
#    with the reason it does not apply or cannot be fixed yet (an entry without a reason fails);
#  - where the vulnerability database cannot be reached (no network, a mirror without it), or it
#    answers for none of the pins, nothing was checked: the script says so plainly and exits 0,
#    so an offline machine can still build, never believing it was checked;
#  - pins it could not look up while others were are listed as not checked.
# PIP_AUDIT overrides the command (tests run a stand-in).
set -uo pipefail
cd "$(dirname "$0")/.."

UNREACHABLE="漏洞库不可达：未检查依赖漏洞 (vulnerability database unreachable: dependencies NOT checked)"
IGNORE_FILE=${VULN_IGNORE_FILE:-scripts/vuln-ignore.txt}
PIP_AUDIT=${PIP_AUDIT:-.venv/bin/pip-audit}
SERVICE=${VULN_SERVICE:-pypi}

ignored=()
if [[ -f $IGNORE_FILE ]]; then
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%%$'\r'}
    [[ -z ${line//[[:space:]]/} || $line =~ ^[[:space:]]*# ]] && continue
    read -r id reason <<<"$line"
    if [[ -z ${reason:-} ]]; then
      echo "vuln-check: $IGNORE_FILE: $id has no reason; every ignored vulnerability says why" >&2
      exit 2
    fi
    ignored+=(--ignore-vuln "$id")
  done <"$IGNORE_FILE"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every pin, transitive ones included, is in the files: no resolution needed (--no-deps).
$PIP_AUDIT --no-deps --disable-pip --progress-spinner off -s "$SERVICE" \
  -r requirements.txt -r requirements-dev.txt -f json -o "$work/report.json" \
  ${ignored[@]+"${ignored[@]}"} >"$work/out" 2>"$work/err"
status=$?

if [[ ! -s $work/report.json ]]; then
  if grep -qE "ConnectionError|NameResolution|Max retries|Timeout|timed out|Temporary failure|SSLError|ProxyError" "$work/err"; then
    echo "$UNREACHABLE"
    grep -oE "host='[^']+'" "$work/err" | sort -u | sed 's/^/  /'
    exit 0
  fi
  echo "vuln-check: pip-audit failed (exit $status):" >&2
  tail -20 "$work/err" >&2
  exit 1
fi

python3 - "$work/report.json" "$UNREACHABLE" "$SERVICE" <<'PY'
import json
import sys

report, unreachable, service = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
checked = [d for d in deps if not d.get("skip_reason")]
if not checked:
    print(unreachable)
    print(f"  {len(skipped)} pins, none found in the {service} vulnerability data")
    sys.exit(0)
found = [(d["name"], d["version"], v) for d in checked for v in d.get("vulns", [])]
for name, version, vuln in found:
    fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
    aliases = ", ".join(vuln.get("aliases") or [])
    print(f"VULNERABLE {name}=={version}: {vuln['id']} ({aliases}) fixed in: {fixes}")
if skipped:
    print(f"未检查 / NOT checked ({len(skipped)} of {len(deps)} pins): " + ", ".join(d["name"] for d in skipped))
print(f"vuln-check: {len(checked)} pins checked against {service}, {len(found)} known vulnerabilities")
sys.exit(1 if found else 0)
PY
