"""How every benchmark states a figure against its aim, so that a miss can never pass unseen.

``verdict(value, aim)`` is "ok" when the value is within its aim and "MISSED" when it is not;
``against(value, aim)`` writes the figure, its aim and the verdict, e.g. "55.9× (aim ≤ 3×: MISSED)".
An aim is an upper bound unless ``at_least`` is set (throughput: requests per second).
"""


def verdict(value: float, aim: float, *, at_least: bool = False) -> str:
    within = value >= aim if at_least else value <= aim
    return "ok" if within else "MISSED"


def against(value: float, aim: float, *, unit: str = "×", digits: int = 1, at_least: bool = False) -> str:
    sign = "≥" if at_least else "≤"
    return f"{value:.{digits}f}{unit} (aim {sign} {aim:g}{unit}: {verdict(value, aim, at_least=at_least)})"
