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
from accountability.tables import load_dataset
from accountability.version import __version__

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
    "__version__",
    "assess",
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
]
