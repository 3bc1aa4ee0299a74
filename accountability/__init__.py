"""accountability: China's work-safety responsibility rules as traceable scorers.

>>> import accountability as acc
>>> acc.is_valid_uscc("914403001922038216")
True
"""

from __future__ import annotations

from accountability.codes import is_valid_uscc
from accountability.dataset import Dataset
from accountability.errors import DatasetError, RulebookError

__version__ = "0.1.0"

__all__ = [
    "Dataset",
    "DatasetError",
    "RulebookError",
    "__version__",
    "is_valid_uscc",
]
