"""What every explorer shares: declared controls, a pure function, a live display."""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, ClassVar

from mlkit._exceptions import MlkitError, MlkitTypeError, MlkitValueError, with_hint

if TYPE_CHECKING:
    from mlkit._results import Result

#: Control kinds, each drawn as the ipywidget of the same name.
KINDS = (
    "FloatSlider",
    "IntSlider",
    "Dropdown",
    "ToggleButtons",
    "SelectMultiple",
    "Text",
)


@dataclass(frozen=True)
class Control:
    """One control of an explorer: what values it accepts and how it is drawn.

    Parameters
    ----------
    kind : str
        One of ``KINDS``: sliders take ``low``, ``high`` and ``step``; dropdowns,
        toggle buttons and multiple selections take ``options``; text takes any string.
    description : str
        The label shown beside the control.
    low, high, step : float, optional
        Range and step of a slider.
    options : tuple, optional
        The values to choose from.
    """

    kind: str
    description: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple[Any, ...] = ()

    def check(self, name: str, value: Any) -> Any:
        """``value`` if this control accepts it, else an error naming ``name``."""
        if self.kind in ("FloatSlider", "IntSlider"):
            integer = self.kind == "IntSlider"
            number_types = (int,) if integer else (int, float)
            if isinstance(value, bool) or not isinstance(value, number_types):
                try:
                    import numpy as np

                    ok = isinstance(value, np.integer if integer else np.number)
                except ImportError:  # pragma: no cover - numpy is a dependency
                    ok = False
                if not ok:
                    raise MlkitTypeError(
                        with_hint(
                            f"'{name}' must be a number; got {type(value).__name__}.",
                            f"pass a {'whole ' if integer else ''}number between "
                            f"{self.low} and {self.high}.",
                        )
                    )
            value = int(value) if integer else float(value)
            if not (self.low <= value <= self.high) or math.isnan(value):
                raise MlkitValueError(
                    with_hint(
                        f"'{name}' must be between {self.low} and {self.high}; got {value}.",
                        f"pick a value in that range, as the slider '{self.description}' does.",
                    )
                )
            return value
        if self.kind in ("Dropdown", "ToggleButtons"):
            if value not in self.options:
                raise MlkitValueError(
                    with_hint(
                        f"'{name}' must be one of {list(self.options)}; got {value!r}.",
                        f"pick one of the options of '{self.description}'.",
                    )
                )
            return value
        if self.kind == "SelectMultiple":
            values = (value,) if isinstance(value, str) else tuple(value)
            unknown = [v for v in values if v not in self.options]
            if unknown or not values:
                got = f"{unknown} are not among them" if unknown else "got nothing"
                raise MlkitValueError(
                    with_hint(
                        f"'{name}' must be a non-empty selection from "
                        f"{list(self.options)}; {got}.",
                        f"pick one or more of the options of '{self.description}'.",
                    )
                )
            return values
        if not isinstance(value, str):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must be a string; got {type(value).__name__}.",
                    "type the text as you would in the box.",
                )
            )
        return value


#: Set to "static" in a kernel's environment to show explorers as table and chart
#: only; mlkit's headless runs do, as no one is there to move a control.
STATIC_ENV = "MLKIT_WIDGETS"


def widgets_available() -> bool:
    """Whether explorers show as widgets: ipywidgets is installed and the kernel
    was not started with ``MLKIT_WIDGETS=static`` (as mlkit's headless runs are)."""
    if os.environ.get(STATIC_ENV, "").lower() == "static":
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


class Explorer(ABC):
    """A thin interactive shell over one pure function of mlkit.

    An explorer declares its controls (``controls``), computes its result with a
    pure function of the current values (:meth:`_compute`), and shows it: in
    JupyterLab as widgets whose changes recompute the result, elsewhere (an HTML
    export, a front end without widgets, a terminal) as the result's static table
    and chart. :meth:`update` changes values from code, exactly as the controls
    do, and :attr:`result` is the result currently shown.
    """

    title: ClassVar[str] = "Explorer"

    def __init__(self, controls: dict[str, Control], values: dict[str, Any]) -> None:
        self.controls = controls
        self._values = {
            name: controls[name].check(name, v) for name, v in values.items()
        }
        self._result = self._compute(**self._values)
        self._widget: Any = None
        self._inputs: dict[str, Any] = {}

    # ------------------------------------------------------------------ the pure part

    @abstractmethod
    def _compute(self, **values: Any) -> Result:
        """The result for these control values; no side effects."""

    def _status(self, result: Result) -> str:
        """One line of the numbers that matter, shown above the result."""
        return result.explain().split(". ")[0] + "."

    @property
    def result(self) -> Result:
        """The result for the current control values."""
        return self._result

    @property
    def values(self) -> dict[str, Any]:
        """The current control values, by name."""
        return dict(self._values)

    def update(self, **values: Any) -> Result:
        """Set some controls, recompute and return the result.

        Names and values are checked first, so a bad value changes nothing.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise MlkitValueError(
                with_hint(
                    f"{type(self).__name__} has no control named {unknown}.",
                    f"use one of {sorted(self.controls)}.",
                )
            )
        new = dict(self._values)
        new.update(
            {name: self.controls[name].check(name, v) for name, v in values.items()}
        )
        result = self._compute(**new)
        self._values, self._result = new, result
        self._sync_inputs()
        self._refresh()
        return result

    # ------------------------------------------------------------------ the display

    def static_html(self) -> str:
        """The current result as HTML: the controls' values, the table and the chart."""
        settings = ", ".join(f"{k} = {_shown(v)}" for k, v in self._values.items())
        return (
            f"<div class='mlkit-explorer'><p><strong>{escape(self.title)}</strong> "
            f"<span style='color:#666'>({escape(settings)})</span></p>"
            f"{self._result._repr_html_()}</div>"
        )

    def _repr_html_(self) -> str:
        return self.static_html()

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> dict[str, Any]:
        # Front ends that draw widgets pick the widget view; the others (HTML
        # exports, viewers without a kernel) fall back to the static table and chart.
        # Headless runs get the static view only: a saved widget view without its
        # kernel shows "model not found" when the notebook is opened again.
        bundle = {"text/plain": repr(self), "text/html": self.static_html()}
        if widgets_available():
            view = self.widget()._repr_mimebundle_()
            bundle.update({k: v for k, v in view.items() if k != "text/plain"})
        return bundle

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={_shown(v)}" for k, v in self._values.items())
        return f"<{type(self).__name__} ({settings}): {self._status(self._result)}>"

    def widget(self) -> Any:
        """The ipywidgets box: controls, a status line and the result."""
        if self._widget is not None:
            return self._widget
        from mlkit._optional import require

        w = require("ipywidgets", purpose="show interactive explorers")
        for name, control in self.controls.items():
            box = _make_input(w, control, self._values[name])
            box.observe(self._on_change(name), names="value")
            self._inputs[name] = box
        self._status_html = w.HTML()
        self._output = w.Output()
        heading = w.HTML(f"<strong>{escape(self.title)}</strong>")
        self._widget = w.VBox(
            [heading, *self._inputs.values(), self._status_html, self._output]
        )
        self._refresh()
        return self._widget

    def _on_change(self, name: str) -> Any:
        def handler(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            try:
                self.update(**{name: change["new"]})
            except MlkitError as error:
                # A value the function refuses (a pattern that does not compile, an
                # empty selection) is explained where the result would be.
                message = escape(str(error)).replace("\n", "<br>")
                self._status_html.value = (
                    f"<span style='color:#D55E00'>{message}</span>"
                )

        return handler

    _syncing = False

    def _sync_inputs(self) -> None:
        # Code called update(): move the controls without triggering a second update.
        if not self._inputs:
            return
        self._syncing = True
        try:
            for name, box in self._inputs.items():
                box.value = self._values[name]
        finally:
            self._syncing = False

    def _refresh(self) -> None:
        if self._widget is None:
            return
        from IPython.display import HTML, display

        self._status_html.value = escape(self._status(self._result))
        with self._output:
            self._output.clear_output(wait=True)
            display(HTML(self._result._repr_html_()))


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _make_input(w: Any, control: Control, value: Any) -> Any:
    style = {"description_width": "initial"}
    layout = w.Layout(width="min(100%, 36em)")
    common = {"description": control.description, "style": style, "layout": layout}
    if control.kind in ("FloatSlider", "IntSlider"):
        # Recompute when the handle is released (or a key pressed), not on every pixel.
        return getattr(w, control.kind)(
            value=value,
            min=control.low,
            max=control.high,
            step=control.step,
            continuous_update=False,
            readout_format=".3g" if control.kind == "FloatSlider" else "d",
            **common,
        )
    if control.kind in ("Dropdown", "ToggleButtons"):
        return getattr(w, control.kind)(
            options=list(control.options), value=value, **common
        )
    if control.kind == "SelectMultiple":
        rows = min(6, max(2, len(control.options)))
        return w.SelectMultiple(
            options=list(control.options), value=tuple(value), rows=rows, **common
        )
    if control.kind == "Text":
        return w.Text(value=value, continuous_update=False, **common)
    raise MlkitValueError(  # pragma: no cover - controls are declared in mlkit
        with_hint(f"Unknown control kind {control.kind!r}.", f"use one of {KINDS}.")
    )
