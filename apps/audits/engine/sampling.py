"""Claim sampling (抽样逐条审核, issue 18 part 5): which submitted claims an officer must review
line by line rather than approve as a whole. Pure: the signals come in as facts, the draw from a
stored seed, so the same inputs always give the same answer (docs/audit-rules.md, "Claim sampling").

- **Risk score**: the points of the signals present (POINTS). A district's threshold (district
  setting `claim_risk_threshold`, points; 0: not used) makes every claim at or above it sampled.
- **Random draw**: u = the first 8 bytes of SHA-256("<district code>|<claim id>|<seed>") read as
  an integer ÷ 2⁶⁴; the claim is drawn when u < the district's rate (`claim_sample_rate`, 0–1).
  The seed (48 random bits) is drawn once per claim and kept across resubmissions, so submitting
  again does not draw again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

POINTS: Final[dict[str, int]] = {
    # The claimant has a current confirmed audit finding (on itself or one of its claims).
    "findings": 3,
    # A line of the claim carries a finding of the rules engine (W, O or E).
    "line_findings": 2,
    # The claimant has had a claim or a class application returned (退回修改) or rejected (驳回).
    "returned": 2,
    # The claimant was registered less than a year before the submission (首年).
    "new": 2,
}
LABELS: Final[dict[str, str]] = {
    "findings": "申领单位有已确认的稽核疑点",
    "line_findings": "明细有规则校验结果",
    "returned": "申领单位有退回或驳回记录",
    "new": "申领单位登记不满一年",
}


@dataclass(frozen=True)
class Sample:
    score: int
    over_threshold: bool
    u: Decimal
    drawn: bool

    @property
    def line_by_line(self) -> bool:
        return self.over_threshold or self.drawn


def score(signals: list[str]) -> int:
    return sum(POINTS[s] for s in signals)


def draw_value(*, district: str, claim_id: int, seed: int) -> Decimal:
    digest = hashlib.sha256(f"{district}|{claim_id}|{seed}".encode()).digest()
    return (Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)).quantize(Decimal("0.000001"))


def sample(
    *, signals: list[str], threshold: int, rate: Decimal, district: str, claim_id: int, seed: int
) -> Sample:
    points = score(signals)
    u = draw_value(district=district, claim_id=claim_id, seed=seed)
    return Sample(points, threshold > 0 and points >= threshold, u, u < rate)


def wording(row: Any) -> str:
    """What the sampling decided, and why, in a sentence."""
    signals = "、".join(f"{LABELS[s]} {POINTS[s]} 分" for s in row.signals) or "无风险信号"
    risk = f"风险分 {row.score}（{signals}）"
    if row.threshold:
        risk += f"{'达到' if row.over_threshold else '低于'}本区县阈值 {row.threshold}"
    else:
        risk += "，本区县未设风险分阈值"
    draw = f"抽签值 {row.u}{'小于' if row.drawn else '不小于'}本区县随机比例 {row.rate.normalize()}"
    verdict = "须逐条审核" if row.line_by_line else "可整体审核通过（有校验结果的明细仍须逐条审核）"
    return f"申领抽样：{risk}；{draw}：{verdict}"
