"""accountability: China's work-safety responsibility rules as traceable scorers.

Rates regions under 年度目标管理考核, enforcement cases under 四个一律, officials
under 一岗双责 and enterprises under 企业主体责任, with every point traceable to
the rule, its legal basis and the rows behind it.

>>> import accountability as acc
>>> acc.is_valid_uscc("914403001922038216")
True
>>> acc.rulebook().for_year(2024)["annual.section_weights"]["A"]
40.0
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accountability import charts
    from accountability.accidents import grade_accidents
    from accountability.assessment import Assessment, assess
    from accountability.codes import is_valid_uscc
    from accountability.compare import compare_assessments
    from accountability.dataset import Dataset
    from accountability.errors import DatasetError, RulebookError
    from accountability.periods import compare_periods
    from accountability.planning import InspectionPlan, inspection_plan
    from accountability.rulebook import Rulebook, load_rulebook, rulebook
    from accountability.scorers.dual_duty import DualDutyResult, dual_duty
    from accountability.scorers.enterprise import EnterpriseRatings, enterprise_ratings
    from accountability.scorers.four_musts import FourMustsResult, four_musts
    from accountability.scorers.referrals import referral_gaps
    from accountability.sensitivity import SensitivityResult, sensitivity
    from accountability.tables import load_dataset
    from accountability.version import __version__
    from accountability.whatif import WhatIf, what_if

# Where each public name lives: imported on first use, so that `accountability --help`
# and the command line's start do not load polars, dataframely and every scorer.
_WHERE: dict[str, str] = {
    "grade_accidents": "accountability.accidents",
    "Assessment": "accountability.assessment",
    "assess": "accountability.assessment",
    "is_valid_uscc": "accountability.codes",
    "compare_assessments": "accountability.compare",
    "Dataset": "accountability.dataset",
    "DatasetError": "accountability.errors",
    "RulebookError": "accountability.errors",
    "compare_periods": "accountability.periods",
    "InspectionPlan": "accountability.planning",
    "inspection_plan": "accountability.planning",
    "Rulebook": "accountability.rulebook",
    "load_rulebook": "accountability.rulebook",
    "rulebook": "accountability.rulebook",
    "DualDutyResult": "accountability.scorers.dual_duty",
    "dual_duty": "accountability.scorers.dual_duty",
    "EnterpriseRatings": "accountability.scorers.enterprise",
    "enterprise_ratings": "accountability.scorers.enterprise",
    "FourMustsResult": "accountability.scorers.four_musts",
    "four_musts": "accountability.scorers.four_musts",
    "referral_gaps": "accountability.scorers.referrals",
    "SensitivityResult": "accountability.sensitivity",
    "sensitivity": "accountability.sensitivity",
    "load_dataset": "accountability.tables",
    "__version__": "accountability.version",
    "WhatIf": "accountability.whatif",
    "what_if": "accountability.whatif",
}


class _Library(types.ModuleType):
    """The package module.  Importing the subpackage `accountability.rulebook` binds
    it as an attribute of the package; the public name `rulebook` is the function, as
    it always was, so that binding is skipped (the subpackage stays importable)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Library


# Modules reached as attributes, also imported on first use: `acc.charts.ranking(result)`.
_MODULES: tuple[str, ...] = ("charts",)


def __getattr__(name: str) -> object:
    if name in _MODULES:
        from importlib import import_module

        return import_module(f"{__name__}.{name}")
    if name in _WHERE:
        from importlib import import_module

        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'accountability' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Assessment",
    "Dataset",
    "DatasetError",
    "DualDutyResult",
    "EnterpriseRatings",
    "FourMustsResult",
    "InspectionPlan",
    "Rulebook",
    "RulebookError",
    "SensitivityResult",
    "WhatIf",
    "__version__",
    "assess",
    "charts",
    "compare_assessments",
    "compare_periods",
    "dual_duty",
    "enterprise_ratings",
    "four_musts",
    "grade_accidents",
    "inspection_plan",
    "is_valid_uscc",
    "load_dataset",
    "load_rulebook",
    "referral_gaps",
    "rulebook",
    "sensitivity",
    "what_if",
]
