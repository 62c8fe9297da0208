"""Features: turning a case's columns into model inputs (chapter 5).

:func:`make_preprocessor` builds a scikit-learn ``ColumnTransformer`` from column
kinds, the same kinds a case declares in ``[data.schema]``, so that any case gets a
sensible baseline encoding without hand-written code: numbers imputed and scaled,
categories one-hot encoded with rare values grouped, free text as TF-IDF, and
identifiers and timestamps left out.

Examples
--------
>>> import pandas as pd
>>> from mlkit.features import make_preprocessor
>>> df = pd.DataFrame({"age": [30, None, 50], "city": ["a", "b", None]})
>>> pre = make_preprocessor({"age": "integer", "city": "category"}, min_frequency=1)
>>> pre.fit(df).get_feature_names_out().tolist()
['numbers__age', 'categories__city_a', 'categories__city_b', 'categories__city_nan']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitValueError, with_hint

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.compose import ColumnTransformer

__all__ = ["ENCODED_KINDS", "encode_target", "make_preprocessor"]

#: Column kinds that :func:`make_preprocessor` encodes; ``id`` and ``datetime``
#: columns are left out (an identifier does not generalise; a timestamp needs
#: features derived from it, such as the hour or the day of the week).
ENCODED_KINDS = ("numeric", "integer", "boolean", "category", "text")


def make_preprocessor(
    kinds: Mapping[str, str],
    columns: Sequence[str] | None = None,
    *,
    min_frequency: int = 10,
    max_text_features: int = 5000,
    dense: bool = False,
) -> ColumnTransformer:
    """A ``ColumnTransformer`` that encodes columns according to their kind.

    Parameters
    ----------
    kinds : mapping of str to str
        Column name to kind, as in a case's ``[data.schema]``: ``numeric``,
        ``integer``, ``boolean``, ``category``, ``text``, ``id`` or ``datetime``.
    columns : sequence of str, optional
        The columns to use (a case's ``spec.feature_columns``); all of ``kinds``
        by default. ``id`` and ``datetime`` columns are skipped.
    min_frequency : int, default 10
        Categories seen fewer times in training are grouped into one.
    max_text_features : int, default 5000
        Vocabulary size of each text column's TF-IDF.
    dense : bool, default False
        Always return a dense array, for models that take no sparse input (such
        as ``HistGradientBoostingClassifier``); otherwise the output is sparse
        when most of it is zeros.

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Unfitted. Numbers: median imputation then standard scaling.
        Categories: one-hot, missing
        values as their own category, rare and unseen ones grouped; booleans
        the same way. Text: TF-IDF of words and word pairs.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = list(kinds) if columns is None else list(columns)
    unknown = [c for c in columns if c not in kinds]
    if unknown:
        raise MlkitValueError(
            with_hint(
                f"'columns' names {', '.join(map(repr, unknown))}, which 'kinds' does not.",
                "give a kind for every column, for example from case.spec.data.schema.",
            )
        )
    by_kind: dict[str, list[str]] = {}
    for column in columns:
        by_kind.setdefault(kinds[column], []).append(column)
    bad = set(by_kind) - {*ENCODED_KINDS, "id", "datetime"}
    if bad:
        raise MlkitValueError(
            with_hint(
                f"'kinds' has unknown kind(s) {sorted(bad)}.",
                f"use: {', '.join(ENCODED_KINDS)}, id or datetime.",
            )
        )
    steps = []
    numbers = by_kind.get("numeric", []) + by_kind.get("integer", [])
    if numbers:
        steps.append(
            (
                "numbers",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numbers,
            )
        )
    # Booleans are two categories (three with missing values): one-hot them too.
    categories = by_kind.get("category", []) + by_kind.get("boolean", [])
    if categories:
        steps.append(
            (
                "categories",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=min_frequency,
                    sparse_output=True,
                ),
                categories,
            )
        )
    for column in by_kind.get("text", []):
        steps.append(
            (
                f"text_{column}",
                TfidfVectorizer(
                    max_features=max_text_features,
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                ),
                column,  # a single column name: TF-IDF takes a 1-d input
            )
        )
    if not steps:
        raise MlkitValueError(
            with_hint(
                "No column to encode: every column is an identifier or a timestamp.",
                "pass columns of kind numeric, integer, boolean, category or text.",
            )
        )
    return ColumnTransformer(
        steps, remainder="drop", sparse_threshold=0.0 if dense else 0.3
    )


def encode_target(values: Any, *, task: str, positive_label: Any = None) -> pd.Series:
    """The target as models take it: 0/1 for a binary task, unchanged otherwise.

    A binary target becomes 1 where it equals ``positive_label`` (the class to
    detect) and 0 elsewhere, so that scores such as ROC-AUC and PR-AUC measure the
    right class whatever its label (``">50K"``, ``"spam"``, ``True``).

    Examples
    --------
    >>> import pandas as pd
    >>> encode_target(pd.Series([">50K", "<=50K"]), task="binary", positive_label=">50K").tolist()
    [1, 0]
    """
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if task != "binary":
        return series.copy()
    if positive_label is None or not (series == positive_label).any():
        raise MlkitValueError(
            with_hint(
                f"'positive_label' must be one of the target's values for a binary task; "
                f"got {positive_label!r}.",
                "pass the case's spec.positive_label.",
            )
        )
    return (series == positive_label).astype("int64")
