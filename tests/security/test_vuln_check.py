"""scripts/vuln-check.sh (run by `make lint`): a known vulnerability of a pin fails it unless the
reviewed ignore list says why; where the vulnerability database cannot be reached, or answers for
no pin, it says plainly that nothing was checked and lets the build go on. pip-audit is replaced by
a stand-in that answers as the service would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "漏洞库不可达：未检查依赖漏洞 (vulnerability database unreachable: dependencies NOT checked)"
DJANGO_VULN = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001"],
    "fix_versions": ["5.2.99"],
    "description": "x",
}


def run(tmp_path, *, report=None, stderr="", exit_code=0, ignore=None):
    """The script with a stand-in pip-audit that writes `report` (or nothing) and `stderr`."""
    stand_in = tmp_path / "pip-audit"
    stand_in.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"report = {json.dumps(report)!r}\n"
        "args = sys.argv[1:]\n"
        "assert '--no-deps' in args and args.count('-r') == 2, args\n"
        "out = args[args.index('-o') + 1]\n"
        "if report != 'null':\n"
        "    open(out, 'w').write(report)\n"
        f"sys.stderr.write({stderr!r})\n"
        f"open({str(tmp_path / 'args.json')!r}, 'w').write(json.dumps(args))\n"
        f"sys.exit({exit_code})\n"
    )
    stand_in.chmod(0o755)
    env = {**os.environ, "PIP_AUDIT": str(stand_in)}
    if ignore is not None:
        (tmp_path / "ignore.txt").write_text(ignore, encoding="utf-8")
        env["VULN_IGNORE_FILE"] = str(tmp_path / "ignore.txt")
    else:
        env["VULN_IGNORE_FILE"] = str(tmp_path / "absent.txt")
    return subprocess.run(
        ["bash", "scripts/vuln-check.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def deps(*entries):
    return {"dependencies": list(entries), "fixes": []}


def test_a_known_vulnerability_fails_the_check(tmp_path):
    result = run(
        tmp_path,
        report=deps(
            {"name": "django", "version": "5.2.19", "vulns": [DJANGO_VULN]},
            {"name": "celery", "version": "5.7.0", "vulns": []},
        ),
        exit_code=1,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "VULNERABLE django==5.2.19: PYSEC-2099-1 (CVE-2099-0001) fixed in: 5.2.99" in result.stdout
    assert "2 pins checked against pypi, 1 known vulnerabilities" in result.stdout


def test_clean_pins_pass_and_say_how_many_were_checked(tmp_path):
    result = run(tmp_path, report=deps({"name": "django", "version": "5.2.19", "vulns": []}))
    assert result.returncode == 0
    assert "1 pins checked against pypi, 0 known vulnerabilities" in result.stdout
    assert UNREACHABLE not in result.stdout


def test_an_ignored_vulnerability_needs_a_reason(tmp_path):
    passed = run(
        tmp_path,
        report=deps({"name": "django", "version": "5.2.19", "vulns": []}),
        ignore="# reviewed\nPYSEC-2099-1  only the GIS module is affected, which the portal lacks\n",
    )
    assert passed.returncode == 0
    args = json.loads((tmp_path / "args.json").read_text())
    assert args[args.index("--ignore-vuln") + 1] == "PYSEC-2099-1"
    refused = run(tmp_path, report=deps(), ignore="PYSEC-2099-1\n")
    assert refused.returncode == 2
    assert "PYSEC-2099-1 has no reason" in refused.stderr


def test_an_unreachable_database_says_nothing_was_checked_and_lets_the_build_go_on(tmp_path):
    result = run(
        tmp_path,
        report=None,
        stderr="ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries exceeded",
        exit_code=1,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == UNREACHABLE
    assert "host='api.osv.dev'" in result.stdout


def test_a_database_that_knows_none_of_the_pins_is_not_a_pass(tmp_path):
    """pip-audit itself answers "No known vulnerabilities found" when it could look up no pin."""
    result = run(
        tmp_path,
        report=deps(
            {
                "name": "django",
                "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)",
            },
            {
                "name": "celery",
                "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)",
            },
        ),
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == [UNREACHABLE, "  2 pins, none found in the pypi vulnerability data"]


def test_pins_not_found_beside_checked_ones_are_named(tmp_path):
    result = run(
        tmp_path,
        report=deps(
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "in-house", "skip_reason": "Dependency not found on PyPI"},
        ),
    )
    assert result.returncode == 0
    assert "未检查 / NOT checked (1 of 2 pins): in-house" in result.stdout


def test_any_other_failure_of_pip_audit_fails_the_check(tmp_path):
    result = run(tmp_path, report=None, stderr="ValueError: bad requirement line", exit_code=1)
    assert result.returncode == 1
    assert "pip-audit failed" in result.stderr


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_is_exact(name):
    """The check reads the files as they are (no resolution), so each line must pin one version."""
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            assert "==" in line, f"{name}: {line}"
