"""docs/lifecycles.md is drawn from the lifecycle tables: regenerate it and it must not change."""

from pathlib import Path

from django.core.management import call_command

from apps.audits.services import FINDING_LIFECYCLE, RUN_LIFECYCLE
from apps.claims.services.lifecycle import LIFECYCLE as CLAIM
from apps.classes.services import LIFECYCLE as CLASS
from apps.core.lifecycle_doc import lifecycles, lifecycles_markdown
from apps.exports.services import LIFECYCLE as EXPORT
from apps.institutions.services import LIFECYCLE as INSTITUTION
from apps.ledger.services import RECONCILIATION_LIFECYCLE as RECONCILIATION
from apps.ledger.services import RECOVERY_LIFECYCLE
from apps.trainees.services.jobs import LIFECYCLE as IMPORT

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "lifecycles.md"


def test_committed_lifecycles_md_is_what_the_tables_draw() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == lifecycles_markdown(), (
        "docs/lifecycles.md differs from the lifecycle tables: run "
        "`python manage.py lifecycles_doc` and review the diff"
    )


def test_the_check_command_agrees(capsys) -> None:
    call_command("lifecycles_doc", "--check")
    assert "up to date" in capsys.readouterr().out


def test_every_lifecycle_is_drawn_once_with_every_move() -> None:
    expected = [
        INSTITUTION,
        CLASS,
        CLAIM,
        RUN_LIFECYCLE,
        FINDING_LIFECYCLE,
        RECOVERY_LIFECYCLE,
        EXPORT,
        IMPORT,
        RECONCILIATION,
    ]
    assert sorted(id(x) for x in lifecycles()) == sorted(id(x) for x in expected)
    text = lifecycles_markdown()
    for lifecycle in expected:
        assert text.count(f"## {lifecycle.name}\n") == 1
        for step in lifecycle.transitions:
            assert f"    {step.source} --> {step.target}: {step.label}\n" in text


def test_architecture_links_the_page() -> None:
    assert "lifecycles.md" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
