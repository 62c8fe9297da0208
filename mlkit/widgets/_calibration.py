"""The calibration explorer: bins and strategy of the reliability before and after calibration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit.widgets._base import Control, Explorer

if TYPE_CHECKING:
    from mlkit.calibration import Calibration, Reliability, ReliabilityComparison

#: The range of the slider of bins.
MIN_BINS, MAX_BINS = 5, 50


class CalibrationExplorer(Explorer):
    """Move the bins of a reliability diagram, before and after calibration.

    Chapter 6 of *Designing Machine Learning Systems* checks calibration with a
    reliability diagram and its expected calibration error (ECE), and both
    depend on how the probabilities are binned. This explorer works on
    probabilities already computed, so nothing is refitted or predicted when a
    control moves: each change calls :func:`mlkit.calibration.reliability`
    (without calibrated probabilities) or
    :func:`mlkit.calibration.compare_reliability` (with them) on the same rows.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        The true labels of the rows measured, held out from training and from
        calibration.
    y_prob : array-like of shape (n,) or (n, k)
        The model's probabilities before calibration, as
        :func:`~mlkit.calibration.reliability` takes them.
    y_prob_calibrated : array-like or dict, optional
        The probabilities after calibration, for the same rows; or a dict
        ``{method: probabilities}`` of several calibrations, chosen with the
        ``method`` control.
    n_bins : int, default 15
        Bins shown first, between 5 and 50.
    strategy : {"uniform", "quantile"}, default "uniform"
        Bins of equal width, or of equal rows.
    positive_label, classes
        As :func:`~mlkit.calibration.reliability`.

    Attributes
    ----------
    result : ReliabilityComparison or Reliability
        The comparison before and after calibration; the reliability alone
        when no calibrated probabilities were given.
    methods : list of str
        The names of the calibrated probabilities (empty without them).

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.widgets import CalibrationExplorer
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=5_000)
    >>> y = rng.uniform(size=5_000) < p
    >>> explorer = CalibrationExplorer(y, p ** 2, y_prob_calibrated=p)
    >>> round(explorer.result.before.ece, 2), round(explorer.result.after.ece, 2)
    (0.16, 0.01)
    >>> explorer.update(n_bins=5, strategy="quantile").before.n_bins
    5
    """

    title: ClassVar[str] = "Calibration explorer"

    def __init__(
        self,
        y_true: Any,
        y_prob: Any,
        *,
        y_prob_calibrated: Any = None,
        n_bins: int = 15,
        strategy: str = "uniform",
        positive_label: Any = None,
        classes: Any = None,
    ) -> None:
        from mlkit._validation import as_1d
        from mlkit.calibration import STRATEGIES, _probabilities, _reliability

        # Converted once: each update bins these arrays and nothing else.
        self._before = _probabilities(y_prob).copy()
        self._y = as_1d(y_true, "y_true", length=len(self._before)).copy()
        if y_prob_calibrated is None:
            calibrated: dict[str, Any] = {}
        elif isinstance(y_prob_calibrated, dict):
            if not y_prob_calibrated:
                raise MlkitValueError(
                    with_hint(
                        "'y_prob_calibrated' is an empty dict.",
                        "pass {'isotonic': probabilities, ...}, or leave it out.",
                    )
                )
            calibrated = dict(y_prob_calibrated)
        else:
            calibrated = {"after": y_prob_calibrated}
        self._calibrated = {}
        for method, probabilities in calibrated.items():
            if not isinstance(method, str) or not method or method == "before":
                raise MlkitTypeError(
                    with_hint(
                        f"'y_prob_calibrated' must be keyed by method names; got "
                        f"{method!r}.",
                        "name each calibration, such as {'isotonic': p_iso, "
                        "'sigmoid': p_sig}.",
                    )
                )
            array = _probabilities(probabilities, "y_prob_calibrated").copy()
            if array.shape != self._before.shape:
                raise MlkitValueError(
                    with_hint(
                        f"'y_prob_calibrated' ({method!r}) has shape {array.shape}, "
                        f"but 'y_prob' has shape {self._before.shape}.",
                        "pass the probabilities of the same rows, after calibration.",
                    )
                )
            self._calibrated[method] = array
        self.methods = list(self._calibrated)
        self._options = {"positive_label": positive_label, "classes": classes}
        controls = {
            "n_bins": Control("IntSlider", "bins", low=MIN_BINS, high=MAX_BINS, step=1),
            "strategy": Control("ToggleButtons", "strategy", options=STRATEGIES),
        }
        # The data checked once, with the messages naming the caller's arguments
        # (each update compares them as 'before' and 'after').
        for name, array in [
            ("y_prob", self._before),
            *(("y_prob_calibrated", a) for a in self._calibrated.values()),
        ]:
            _reliability(
                self._y,
                array,
                n_bins=15,
                strategy="uniform",
                name=name,
                **self._options,
            )
        values: dict[str, Any] = {"n_bins": n_bins, "strategy": strategy}
        if len(self.methods) > 1:
            controls["method"] = Control(
                "Dropdown", "calibration", options=tuple(self.methods)
            )
            values["method"] = self.methods[0]
        super().__init__(controls, values)

    @classmethod
    def from_calibration(
        cls, calibration: Calibration, X_eval: Any, y_eval: Any, **kwargs: Any
    ) -> CalibrationExplorer:
        """An explorer of a :func:`~mlkit.calibration.calibrate` result, on held-out rows.

        The result keeps the models, not their probabilities: both the original
        and the calibrated model predict ``X_eval`` once, here.

        Parameters
        ----------
        calibration : Calibration
            From :func:`mlkit.calibration.calibrate`.
        X_eval, y_eval : array-like
            Rows used for neither training nor calibration.
        **kwargs
            ``n_bins`` and ``strategy`` (by default those of the result),
            ``positive_label``.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from mlkit.calibration import calibrate
        >>> from mlkit.widgets import CalibrationExplorer
        >>> X, y = make_classification(3_000, n_informative=6, random_state=0)
        >>> model = GaussianNB().fit(X[:1_000], y[:1_000])
        >>> result = calibrate(model, X[1_000:2_000], y[1_000:2_000], method="sigmoid")
        >>> explorer = CalibrationExplorer.from_calibration(result, X[2_000:], y[2_000:])
        >>> explorer.result.names
        ('before', 'after (sigmoid)')
        >>> explorer.result.after.ece < explorer.result.before.ece
        True
        """
        from mlkit.calibration import Calibration

        if not isinstance(calibration, Calibration):
            raise MlkitTypeError(
                with_hint(
                    f"'calibration' must be a Calibration; got "
                    f"{type(calibration).__name__}.",
                    "pass the result of mlkit.calibration.calibrate(model, X, y, ...).",
                )
            )
        model = calibration.model
        # The calibrated model wraps the original one, frozen: it predicts as before.
        before = model.estimator.predict_proba(X_eval)
        after = model.predict_proba(X_eval)
        kwargs.setdefault("n_bins", calibration.before.n_bins)
        kwargs.setdefault("strategy", calibration.before.strategy)
        return cls(
            y_eval,
            before,
            y_prob_calibrated={calibration.method: after},
            classes=model.classes_,
            **kwargs,
        )

    def _compute(
        self, *, n_bins: int, strategy: str, method: str | None = None
    ) -> ReliabilityComparison | Reliability:
        from mlkit.calibration import compare_reliability, reliability

        if not self.methods:
            return reliability(
                self._y, self._before, n_bins=n_bins, strategy=strategy, **self._options
            )
        method = self.methods[0] if method is None else method
        after = "after" if method == "after" else f"after ({method})"
        return compare_reliability(
            self._y,
            self._before,
            self._calibrated[method],
            n_bins=n_bins,
            strategy=strategy,
            names=("before", after),
            **self._options,
        )

    def _status(self, result: ReliabilityComparison | Reliability) -> str:
        bins = f"{self._values['n_bins']} {self._values['strategy']} bins"
        if not self.methods:
            return (
                f"{bins}: ECE {result.ece:.3f}, MCE {result.mce:.3f}, "
                f"Brier {result.brier:.4f}."
            )
        before, after = result.before, result.after
        return (
            f"{bins}: ECE {before.ece:.3f} before, {after.ece:.3f} "
            f"{result.names[1]}; Brier {before.brier:.4f} before, {after.brier:.4f} "
            f"{result.names[1]}."
        )
