"""What every result object of mlkit has: a table, a chart and a rich display."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from html import escape
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

#: Rows of ``to_frame()`` shown in a notebook; the full table is one call away.
MAX_DISPLAY_ROWS = 20


def readable(value: Any, limit: int | None = None) -> str:
    """A recorded value as text for display, cut to ``limit`` characters."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = "" if value is None else json.dumps(value, ensure_ascii=False)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def html_table(frame: pd.DataFrame) -> str:
    """A table for a notebook: text left-aligned and never cut, numbers right-aligned."""
    import pandas as pd

    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    styler = frame.style.hide(axis="index").format(
        precision=4, thousands=",", na_rep=""
    )
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    styler = styler.set_table_styles([{"selector": "th", "props": "text-align: left;"}])
    return styler.to_html()


class Result(ABC):
    """Base of mlkit's result objects: ``to_frame()``, ``chart()`` and ``_repr_html_``.

    Subclasses are frozen dataclasses (``repr=False``) computed once. They set ``title`` and write
    :meth:`explain`: a few sentences on what was computed, what it means and where
    the book covers it.
    """

    title: ClassVar[str] = "Result"

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """A tidy table of the result, with documented columns."""

    @abstractmethod
    def chart(self) -> alt.TopLevelMixin:
        """An altair chart of the result."""

    @abstractmethod
    def explain(self) -> str:
        """What the result shows, what to do next, and the book's chapter on it."""

    def __repr__(self) -> str:
        # One line; subclasses are dataclasses declared with repr=False.
        return f"<{type(self).__name__}: {self.explain().split('. ')[0]}>"

    def _display_frame(self) -> pd.DataFrame:
        """The table shown in a notebook: ``to_frame()`` unless a summary reads better."""
        return self.to_frame()

    def _repr_html_(self) -> str:
        from mlkit.charts import to_html

        table = self._display_frame()
        more = ""
        if len(table) > MAX_DISPLAY_ROWS:
            more = (
                f"<p><em>First {MAX_DISPLAY_ROWS} of {len(table):,} rows; "
                "<code>.to_frame()</code> has them all.</em></p>"
            )
            table = table.head(MAX_DISPLAY_ROWS)
        return (
            "<div class='mlkit-result'>"
            f"<h4 style='margin:0.2em 0'>{escape(self.title)}</h4>"
            f"<p>{escape(self.explain())}</p>"
            f"{html_table(table)}{more}"
            f"{to_html(self.chart())}</div>"
        )
