"""Case-specific code of the income case: the rule of thumb a loan officer uses.

``heuristic`` is the baseline of the model-development notebook: a model is worth
its cost only if it beats the rule people already apply in their heads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["heuristic"]


def heuristic(X: pd.DataFrame) -> np.ndarray:
    """Predict ">50K" for married applicants with at least a bachelor's degree.

    Two facts any underwriter knows from experience: household heads earn more, and
    so do graduates. Returns ">50K" or "<=50K" per row of ``X``, which needs the
    ``relationship`` and ``education_num`` columns (13 is a bachelor's degree).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"relationship": ["Husband", "Own-child"], "education_num": [13, 13]})
    >>> heuristic(X).tolist()
    ['>50K', '<=50K']
    """
    married = X["relationship"].isin(["Husband", "Wife"]).to_numpy()
    graduate = (X["education_num"] >= 13).to_numpy()
    return np.where(married & graduate, ">50K", "<=50K")
