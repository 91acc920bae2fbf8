"""docs/audit-rules.md documents every rule the audit checks, with the ID, severity and title the
pages show (apps.audits.engine.catalogue)."""

import re
from pathlib import Path

from apps.audits.engine.catalogue import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-rules.md"


def test_every_audit_rule_is_documented_as_the_pages_show_it():
    documented = re.findall(
        r"^- \*\*([AR][\d.]+) \(([EWO])\)\*\* (\S+) —", DOC.read_text(encoding="utf-8"), re.M
    )
    assert [(r.id, r.severity) for r in RULES] == [(rule_id, severity) for rule_id, severity, _ in documented]
    titles = {rule_id: title for rule_id, _, title in documented}
    for rule in RULES:
        if rule.id.startswith("A"):
            assert titles[rule.id] == rule.title
