"""The rules engine: notice 渝人社发〔2021〕12号 as code. Pure Python, standard library only.

No Django, no database: the Django apps call this package, never the other way round. The public
API below is what the quote API (``POST /api/v1/quotes``), the ``/rules/`` page, claims and batch
audits use; ``python -m apps.rules quote`` gives the same quote on the command line.

    scenario = parse_scenario(data)            # or parse_scenario_json(request.body)
    result = quote(scenario, DistrictSettings(...))
    payload = result_to_dict(result)           # JSON-ready, amounts as "2030.00"
"""

from apps.rules.catalogue import RULE_GROUPS, RULES, RuleGroup, RuleInfo, rule
from apps.rules.district import DistrictSettings
from apps.rules.document import rules_markdown
from apps.rules.identity import (
    EntityType,
    IdNumber,
    age_on,
    check_id_number,
    check_minimum_age,
    check_uscc,
    mask_id_number,
    uscc_entity_type,
)
from apps.rules.limits import (
    HistoryEntry,
    TrainingRecord,
    check_lower_level_after_higher,
    check_no_overlap_with_work_for_training,
    check_per_year_limit,
    check_same_level_once,
    per_year_limit_on,
    trainings_in_year,
)
from apps.rules.notice import CLAUSE_HEADINGS, NOTICE_NUMBER, NOTICE_TEXT, NOTICE_TITLE
from apps.rules.parameters import (
    CODE_VERSION,
    PARAMETERS,
    RULES_VERSION,
    Parameter,
    ParameterInForce,
    parameters_in_force,
)
from apps.rules.quote import ClassMemo, quote, result_to_dict
from apps.rules.results import SEVERITY_LABELS, Finding, QuoteResult, RuleViolation, Step
from apps.rules.scenario import (
    FIELDS,
    Attendance,
    Occupation,
    Scenario,
    ScenarioError,
    parse_scenario,
    parse_scenario_json,
    read_field,
)

__all__ = [
    "CLAUSE_HEADINGS",
    "CODE_VERSION",
    "FIELDS",
    "NOTICE_NUMBER",
    "NOTICE_TEXT",
    "NOTICE_TITLE",
    "PARAMETERS",
    "RULES",
    "RULES_VERSION",
    "RULE_GROUPS",
    "SEVERITY_LABELS",
    "Attendance",
    "ClassMemo",
    "DistrictSettings",
    "EntityType",
    "Finding",
    "HistoryEntry",
    "IdNumber",
    "Occupation",
    "Parameter",
    "ParameterInForce",
    "QuoteResult",
    "RuleGroup",
    "RuleInfo",
    "RuleViolation",
    "Scenario",
    "ScenarioError",
    "Step",
    "TrainingRecord",
    "age_on",
    "check_id_number",
    "check_lower_level_after_higher",
    "check_minimum_age",
    "check_no_overlap_with_work_for_training",
    "check_per_year_limit",
    "check_same_level_once",
    "check_uscc",
    "mask_id_number",
    "parameters_in_force",
    "parse_scenario",
    "parse_scenario_json",
    "per_year_limit_on",
    "quote",
    "read_field",
    "result_to_dict",
    "rule",
    "rules_markdown",
    "trainings_in_year",
    "uscc_entity_type",
]
