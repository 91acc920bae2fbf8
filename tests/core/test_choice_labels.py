"""apps.core.models.ChoiceLabels: get_FOO_display builds each field's choices once per process,
and answers exactly as Django's own does, for every choice of every field of every model using
it, and for a value that is none of them."""

from django.apps import apps
from django.db import models

from apps.core.models import ChoiceLabels


def test_every_label_is_djangos_own():
    checked = 0
    for model in apps.get_models():
        if not issubclass(model, ChoiceLabels):
            continue
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            for value in [*(v for v, _ in field.flatchoices), "not-a-choice"]:
                obj = model()
                setattr(obj, field.attname, value)
                ours = getattr(obj, f"get_{field.name}_display")()
                assert ours == models.Model._get_FIELD_display(obj, field), (model, field.name, value)
                assert isinstance(ours, str)
                checked += 1
    assert checked > 100


def test_the_hot_models_use_it():
    from apps.accounts.models import User
    from apps.audits.models import AuditFinding
    from apps.claims.models import Claim, ClaimLine
    from apps.ledger.models import LedgerEntry

    assert all(issubclass(m, ChoiceLabels) for m in (User, Claim, ClaimLine, AuditFinding, LedgerEntry))
