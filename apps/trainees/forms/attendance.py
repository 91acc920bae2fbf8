from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.classes.models import ClassSession, SessionMode
from apps.core.forms import DateInput, ImportForm

from ..models import CertificateType, Outcome, Result
from ..selectors.attendance import Cell
from ..services.attendance import local

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = DateInput()


class UploadForm(ImportForm):
    # An empty file is the reader's to refuse, naming the file (apps.core.tabular).
    file = forms.FileField(label=_("文件"), allow_empty_file=True)

    def __init__(self, *args, kind: str, label: str = "", **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)
        if label:
            self.fields["file"].label = label


class SessionAttendanceForm(forms.Form):
    """One trainee's attendance of one session. Left blank: nothing recorded for this trainee.
    Minutes left out are taken from the sign-in and sign-out times, clipped to the session."""

    minutes = forms.IntegerField(label=_("出勤分钟"), required=False, min_value=0)
    mode = forms.ChoiceField(label=_("方式"), choices=SessionMode.choices, required=False)
    signed_in = forms.TimeField(label=_("签到时间"), required=False, widget=TIME)
    signed_out = forms.TimeField(label=_("签退时间"), required=False, widget=TIME)

    def __init__(self, *args, session: ClassSession, attendance: Cell | None = None, **kwargs):
        self.session = session
        initial: dict[str, Any] = {"mode": session.mode}
        if attendance is not None:
            initial = {
                "minutes": attendance.minutes,
                "mode": attendance.mode,
                "signed_in": local(attendance.signed_in_at).time() if attendance.signed_in_at else None,
                "signed_out": local(attendance.signed_out_at).time() if attendance.signed_out_at else None,
            }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["minutes"].widget.attrs["max"] = session.minutes

    def _on_session_day(self, name: str) -> datetime | None:
        value = self.cleaned_data.get(name)
        return None if value is None else timezone.make_aware(datetime.combine(self.session.date, value))

    @property
    def to_save(self) -> bool:
        """Changed from what is recorded, and not blank: a blank row records nothing."""
        data = self.cleaned_data
        filled = any(data.get(name) is not None for name in ("minutes", "signed_in", "signed_out"))
        return filled and self.has_changed()

    def entry(self) -> dict:
        """The keyword arguments of `attendance_entry` for this trainee. Sign times changed while
        the minutes were left as they were: the minutes follow the new times."""
        minutes = self.cleaned_data["minutes"]
        if "minutes" not in self.changed_data and {"signed_in", "signed_out"} & set(self.changed_data):
            minutes = None
        return {
            "minutes": minutes,
            "mode": self.cleaned_data["mode"] or self.session.mode,
            "signed_in_at": self._on_session_day("signed_in"),
            "signed_out_at": self._on_session_day("signed_out"),
        }


class ResultForm(forms.Form):
    """One trainee's result (R2.6: a pass needs the certificate's type, number and date)."""

    outcome = forms.ChoiceField(label=_("考核结果"), choices=[("", _("— 请选择 —")), *Outcome.choices])
    certificate_type = forms.ChoiceField(
        label=_("证书类型"), choices=[("", "—"), *CertificateType.choices], required=False
    )
    certificate_number = forms.CharField(label=_("证书编号"), max_length=64, required=False)
    certificate_date = forms.DateField(label=_("发证日期"), required=False, widget=DATE)

    def __init__(self, *args, result: Result | None = None, **kwargs):
        if result is not None:
            kwargs["initial"] = {
                "outcome": result.outcome,
                "certificate_type": result.certificate_type,
                "certificate_number": result.certificate_number,
                "certificate_date": result.certificate_date,
            }
        super().__init__(*args, **kwargs)
