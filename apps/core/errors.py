"""The one domain error type (HackSoft `core/exceptions.py`).

Services raise `ApplicationError` with a Chinese message, and where it applies the rule ID of
docs/rules.md and the field at fault. Views turn it into a form error (`add_to_form`) and the API
into `{"detail": …, "rule": …, "field": …}` with status 400 (`apps.core.apis.exception_handler`).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field
        self.extra = extra or {}

    def __str__(self) -> str:
        # Findings of the rules engine already end with their rule ID; say it once.
        if not self.rule or self.message.endswith(f"({self.rule})"):
            return self.message
        return f"{self.message} ({self.rule})"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"detail": self.message}
        if self.rule:
            data["rule"] = self.rule
        if self.field:
            data["field"] = self.field
        data.update(self.extra)
        return data

    def add_to_form(self, form: Any) -> None:
        """Attach to the named field when the form has it, otherwise to the form as a whole."""
        field = self.field if self.field in getattr(form, "fields", {}) else None
        form.add_error(field, str(self))
