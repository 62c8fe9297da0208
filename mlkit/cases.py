"""Case studies: a problem, its framing and its data, in one folder.

A case is a folder that anyone can copy to bring their own data::

    case_studies/<name>/
        case.toml   the spec: task, target, special columns, costs of errors, data schema
        README.md   the framing in the book's terms (chapter 2): users, objectives, constraints
        data/       the data file with its SOURCE.md (origin, licence, sha256)
        hooks.py    optional case-specific code: a seeded simulator, labeling functions, ...

:func:`load` reads and validates a case by name or by path; :func:`available` lists
the shipped cases and those in the folders named by ``$MLKIT_CASES_PATH``. A case's
:meth:`Case.load_data` checks the file's sha256, converts every column to the kind
declared in ``[data.schema]`` and checks the target, so that every notebook starts
from the same, checked data. ``case_studies/README.md`` documents every key.

Examples
--------
>>> import mlkit as mk
>>> case = mk.cases.load("spam")
>>> case.spec.task, case.spec.target, case.spec.positive_label
('binary', 'CLASS', 1)
>>> df = case.load_data()
>>> df.shape
(1956, 7)
>>> round(case.spec.costs.decision_threshold(), 3)
0.833
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd

from mlkit import _resources
from mlkit._exceptions import CaseError, MlkitTypeError, MlkitValueError, with_hint
from mlkit._io import sha256_file
from mlkit._scaffold import new_case
from mlkit.design import STAGE_SLUGS

__all__ = [
    "KINDS",
    "TASKS",
    "Case",
    "CaseSpec",
    "Costs",
    "DataSpec",
    "Expectations",
    "available",
    "load",
    "new_case",
]

SPEC_FILE = "case.toml"
HOOKS_FILE = "hooks.py"

Task = Literal["binary", "multiclass", "regression"]
Kind = Literal["numeric", "integer", "boolean", "category", "text", "id", "datetime"]

TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")
#: Column kinds of ``[data.schema]`` and the pandas dtype each becomes.
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "numeric": "float64",
        "integer": "int64 (Int64 when values are missing)",
        "boolean": "bool (boolean when values are missing)",
        "category": "category",
        "text": "str (free text, such as a comment)",
        "id": "str (an identifier, never a feature)",
        "datetime": "datetime64",
    }
)
PREDICTION_MODES = ("online", "batch")

_TABLE_KEYS: Mapping[str, frozenset[str]] = {
    "": frozenset(
        {
            "title",
            "story",
            "task",
            "stages",
            "columns",
            "costs",
            "deployment",
            "expectations",
            "data",
        }
    ),
    "columns": frozenset(
        {
            "target",
            "positive_label",
            "time",
            "label_time",
            "group",
            "text",
            "sensitive",
            "exclude",
        }
    ),
    "costs": frozenset(
        {
            "unit",
            "false_positive",
            "false_negative",
            "misclassification",
            "over_prediction",
            "under_prediction",
            "rationale",
        }
    ),
    "deployment": frozenset(
        {"prediction", "latency_budget_ms", "entity", "known_in_advance"}
    ),
    "expectations": frozenset({"invariant", "increasing", "decreasing"}),
    "data": frozenset(
        {
            "file",
            "sha256",
            "rows",
            "na_values",
            "schema",
            "simulator",
            "options",
            "random_state",
        }
    ),
}
_COST_KEYS_BY_TASK = {
    "binary": ("false_positive", "false_negative"),
    "multiclass": ("misclassification",),
    "regression": ("over_prediction", "under_prediction"),
}
_TARGET_KINDS = {
    "binary": ("integer", "boolean", "category", "text"),
    "multiclass": ("integer", "category", "text"),
    "regression": ("numeric", "integer"),
}
_DATA_SUFFIXES = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# Kinds a behavioural test cannot vary as a model input, and kinds that have an order.
_UNTESTABLE_KINDS = ("id", "datetime", "text")
_ORDERED_KINDS = ("numeric", "integer", "boolean")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class Costs:
    """The business cost of each kind of error, in one unit (chapter 2).

    Binary cases price a false positive and a false negative; multiclass cases one
    misclassification; regression cases one unit of over- and of under-prediction.
    """

    unit: str
    false_positive: float | None = None
    false_negative: float | None = None
    misclassification: float | None = None
    over_prediction: float | None = None
    under_prediction: float | None = None
    rationale: str = ""

    def as_kwargs(self) -> dict[str, float]:
        """The costs as the keyword arguments of :func:`mlkit.evaluation.expected_cost`.

        Examples
        --------
        >>> Costs(unit="USD", false_positive=1.0, false_negative=4.0).as_kwargs()
        {'cost_fp': 1.0, 'cost_fn': 4.0}
        """
        names = {
            "false_positive": "cost_fp",
            "false_negative": "cost_fn",
            "over_prediction": "cost_over",
            "under_prediction": "cost_under",
            "misclassification": "cost_error",
        }
        return {
            argument: getattr(self, field_name)
            for field_name, argument in names.items()
            if getattr(self, field_name) is not None
        }

    def decision_threshold(self) -> float:
        """Probability of the positive class above which predicting positive costs less.

        A calibrated model that predicts positive when ``p > C_fp / (C_fp + C_fn)``
        has the lowest expected cost: at that ``p`` both decisions cost the same.

        Examples
        --------
        >>> Costs(unit="USD", false_positive=1.0, false_negative=4.0).decision_threshold()
        0.2
        """
        fp, fn = self.false_positive, self.false_negative
        if fp is None or fn is None:
            raise MlkitValueError(
                with_hint(
                    "decision_threshold() needs the costs of a false positive and of a "
                    "false negative, and this case does not set them.",
                    "it applies to binary cases; set [costs] false_positive and "
                    "false_negative in case.toml.",
                )
            )
        return fp / (fp + fn)

    def target_quantile(self) -> float:
        """Quantile of the target that a regression model should predict to cost least.

        With a cost per unit of under-prediction ``C_u`` and of over-prediction
        ``C_o``, the expected cost is lowest at the ``C_u / (C_u + C_o)`` quantile of
        the target's conditional distribution (the median when both are equal).

        Examples
        --------
        >>> Costs(unit="USD", over_prediction=1.0, under_prediction=3.0).target_quantile()
        0.75
        """
        over, under = self.over_prediction, self.under_prediction
        if over is None or under is None:
            raise MlkitValueError(
                with_hint(
                    "target_quantile() needs the costs of over- and of under-prediction, "
                    "and this case does not set them.",
                    "it applies to regression cases; set [costs] over_prediction and "
                    "under_prediction in case.toml.",
                )
            )
        return under / (under + over)


@dataclass(frozen=True)
class DataSpec:
    """Where a case's data come from and what each column is.

    Exactly one of ``file`` (a path inside the case folder, with its ``sha256``) and
    ``simulator`` (the name of a function in the case's ``hooks.py``) is set.
    """

    schema: Mapping[str, str]
    file: str | None = None
    sha256: str | None = None
    rows: int | None = None
    na_values: tuple[str, ...] = ()
    simulator: str | None = None
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    random_state: int | None = None

    @property
    def format(self) -> str:
        """``"csv"`` or ``"parquet"``, from the file's name; ``"simulator"`` otherwise."""
        if self.file is None:
            return "simulator"
        return _data_format(self.file)


@dataclass(frozen=True)
class Expectations:
    """Behaviour the model must show, checked by the evaluation notebook (chapter 6).

    Behavioural tests change one input and watch the prediction: the columns in
    ``invariant`` must not change it, those in ``increasing`` (``decreasing``) must
    move it up (down) when they grow. The prediction is the probability of the
    positive label, or the predicted value of a regression. Columns may be ones that
    the case's ``hooks.py`` ``features(df)`` adds.

    Examples
    --------
    >>> bool(Expectations())
    False
    >>> bool(Expectations(invariant=("sex", "race")))
    True
    """

    invariant: tuple[str, ...] = ()
    increasing: tuple[str, ...] = ()
    decreasing: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.invariant or self.increasing or self.decreasing)


@dataclass(frozen=True)
class CaseSpec:
    """The validated content of a case's ``case.toml``."""

    name: str
    title: str
    story: str
    task: Task
    target: str
    positive_label: Any
    costs: Costs
    data: DataSpec
    time_column: str | None = None
    label_time_column: str | None = None
    group_column: str | None = None
    text_column: str | None = None
    sensitive_columns: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()
    prediction: str | None = None
    latency_budget_ms: float | None = None
    #: The column whose precomputed prediction a request looks up in batch mode.
    entity_column: str | None = None
    #: Columns known when a batch job runs ahead of the requests (calendar columns);
    #: they may be columns that the case's hooks add.
    known_in_advance: tuple[str, ...] = ()
    stages: tuple[str, ...] = STAGE_SLUGS
    expectations: Expectations = field(default_factory=Expectations)

    @property
    def feature_columns(self) -> tuple[str, ...]:
        """Columns a model may use as inputs.

        Every column of the schema except the target, the time columns (of the
        row and of its label), identifiers (kind ``id``) and the columns listed in
        ``[columns] exclude``.
        """
        skip = {
            self.target,
            self.time_column,
            self.label_time_column,
            *self.exclude_columns,
        }
        return tuple(
            col
            for col, kind in self.data.schema.items()
            if col not in skip and kind != "id"
        )

    def applies(self, stage: str) -> bool:
        """Whether the stage with slug ``stage`` is part of this case's process."""
        return stage in self.stages


class _Reader:
    """Reads one case.toml and turns every problem into a CaseError naming file and key."""

    def __init__(self, path: Path, raw: dict[str, Any]):
        self.path = path
        self.raw = raw

    def fail(self, where: str, problem: str, hint: str) -> CaseError:
        place = (
            f"[{where.split('.')[0]}] {where.split('.', 1)[1]}"
            if "." in where
            else where
        )
        return CaseError(with_hint(f"{self.path}: {place} {problem}", hint))

    def table(self, name: str, *, required: bool = True) -> dict[str, Any]:
        if name not in self.raw:
            if required:
                raise self.fail(f"[{name}]", "is missing.", _HINT_SEE_README)
            return {}
        value = self.raw[name]
        if not isinstance(value, dict):
            raise self.fail(
                name,
                f"must be a table; got {value!r}.",
                f"write it as a [{name}] section.",
            )
        self.check_keys(name, value)
        return value

    def check_keys(self, name: str, table: Mapping[str, Any]) -> None:
        allowed = _TABLE_KEYS[name]
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                guess = f"did you mean {close[0]!r}? " if close else ""
                where = f"[{name}] {key}" if name else key
                raise CaseError(
                    with_hint(
                        f"{self.path}: {where} is not a key this file may have.",
                        f"{guess}Allowed{' in [' + name + ']' if name else ' at the top'}: "
                        f"{', '.join(sorted(allowed))}.",
                    )
                )

    def get(
        self,
        table: dict[str, Any],
        where: str,
        types: type | tuple[type, ...],
        *,
        required: bool = False,
        what: str = "",
    ) -> Any:
        key = where.rsplit(".", 1)[-1]
        if key not in table:
            if required:
                raise self.fail(where, "is missing.", what or _HINT_SEE_README)
            return None
        value = table[key]
        if isinstance(value, bool) and bool not in _as_tuple(types):
            ok = False  # TOML true/false is not a number or a string here
        else:
            ok = isinstance(value, types)
        if not ok:
            names = " or ".join(t.__name__ for t in _as_tuple(types))
            raise self.fail(
                where, f"must be a {names}; got {value!r}.", what or _HINT_SEE_README
            )
        return value


_HINT_SEE_README = (
    "case_studies/README.md lists every key of case.toml with an example."
)


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _data_format(file: str) -> str:
    lower = file.lower()
    for suffix, fmt in _DATA_SUFFIXES.items():
        if lower.endswith(suffix):
            return fmt
    return ""


def _read_spec(folder: Path) -> CaseSpec:
    path = folder / SPEC_FILE
    if not path.is_file():
        raise CaseError(
            with_hint(
                f"{folder} is not a case folder: it has no {SPEC_FILE}"
                + ("." if folder.is_dir() else " (the folder does not exist)."),
                "a case is a folder with case.toml, README.md and data/; copy one from "
                "case_studies/ to start your own.",
            )
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(
            with_hint(
                f"{path} is not valid TOML: {exc}.", "fix the syntax at that line."
            )
        ) from None
    r = _Reader(path, raw)
    r.check_keys("", raw)

    title = r.get(
        raw, "title", str, required=True, what="give the case a one-line title."
    )
    story = r.get(
        raw, "story", str, required=True, what="tell the case's story in a paragraph."
    )
    task = r.get(
        raw, "task", str, required=True, what=f"set task to one of {', '.join(TASKS)}."
    )
    if task not in TASKS:
        raise r.fail(
            "task",
            f"must be one of {', '.join(TASKS)}; got {task!r}.",
            "binary: two classes; multiclass: more; regression: a number.",
        )
    stages = r.get(raw, "stages", list)
    if stages is None:
        stages = list(STAGE_SLUGS)
    for stage in stages:
        if stage not in STAGE_SLUGS:
            close = difflib.get_close_matches(str(stage), STAGE_SLUGS, n=1)
            raise r.fail(
                "stages",
                f"lists {stage!r}, which is not a stage.",
                (f"did you mean {close[0]!r}? " if close else "")
                + f"The stages are: {', '.join(STAGE_SLUGS)}.",
            )

    data = _read_data(r)
    schema = data.schema
    cols = r.table("columns")
    target = r.get(
        cols, "columns.target", str, required=True, what="name the column to predict."
    )
    _check_column(r, "columns.target", target, schema)
    if schema[target] not in _TARGET_KINDS[task]:
        raise r.fail(
            "columns.target",
            f"is {target!r}, of kind {schema[target]!r}, which "
            f"cannot be the target of a {task} task.",
            f"declare it in [data.schema] as one of: {', '.join(_TARGET_KINDS[task])}.",
        )
    positive_label = cols.get("positive_label")
    if task == "binary":
        if positive_label is None:
            raise r.fail(
                "columns.positive_label",
                "is missing; a binary case needs it.",
                "set it to the value of the target that marks the class to "
                'detect, for example 1 or ">50K".',
            )
        _check_label_type(r, positive_label, schema[target])
    elif positive_label is not None:
        raise r.fail(
            "columns.positive_label",
            f"is set, but the task is {task}.",
            "remove it: only binary cases have a positive label.",
        )

    specials: dict[str, str | None] = {}
    for key, kinds in (
        ("time", ("datetime",)),
        ("label_time", ("datetime",)),
        ("group", None),
        ("text", ("text",)),
    ):
        value = r.get(cols, f"columns.{key}", str)
        if value is not None:
            _check_column(r, f"columns.{key}", value, schema, kinds)
        specials[key] = value
    if specials["label_time"] is not None and specials["time"] is None:
        raise r.fail(
            "columns.label_time",
            "is set, but [columns] time is not.",
            "a label's delay is measured from the row's time: set [columns] time too.",
        )
    lists = {}
    for key in ("sensitive", "exclude"):
        values = r.get(cols, f"columns.{key}", list) or []
        for value in values:
            _check_column(r, f"columns.{key}", value, schema)
        if target in values:
            raise r.fail(
                f"columns.{key}",
                f"lists the target {target!r}.",
                "the target is neither a sensitive attribute nor a column to exclude.",
            )
        lists[key] = tuple(values)

    costs = _read_costs(r, task)
    deployment = r.table("deployment", required=False)
    prediction = r.get(deployment, "deployment.prediction", str)
    if prediction is not None and prediction not in PREDICTION_MODES:
        raise r.fail(
            "deployment.prediction",
            f"must be 'online' or 'batch'; got {prediction!r}.",
            "online: one request at a time, within the latency budget; batch: "
            "predictions computed ahead, on a schedule (chapter 7).",
        )
    latency = r.get(deployment, "deployment.latency_budget_ms", (int, float))
    if latency is not None and latency <= 0:
        raise r.fail(
            "deployment.latency_budget_ms",
            f"must be positive; got {latency!r}.",
            "give the time one prediction may take, in milliseconds.",
        )
    entity = r.get(deployment, "deployment.entity", str)
    if entity is not None:
        _check_column(r, "deployment.entity", entity, schema)
    # Not checked against the schema: the case's hooks may add these columns.
    known = r.get(deployment, "deployment.known_in_advance", list) or []
    for value in known:
        if not isinstance(value, str):
            raise r.fail(
                "deployment.known_in_advance",
                f"lists {value!r}, which is not a column name.",
                'write column names in quotes, for example ["hour", "weekday"].',
            )

    expectations = _read_expectations(
        r, task=task, target=target, schema=schema, exclude=lists["exclude"]
    )

    return CaseSpec(
        name=folder.name,
        title=title.strip(),
        story=" ".join(story.split()),
        task=task,
        target=target,
        positive_label=positive_label,
        costs=costs,
        data=data,
        time_column=specials["time"],
        label_time_column=specials["label_time"],
        group_column=specials["group"],
        text_column=specials["text"],
        sensitive_columns=lists["sensitive"],
        exclude_columns=lists["exclude"],
        prediction=prediction,
        latency_budget_ms=None if latency is None else float(latency),
        entity_column=entity if entity is not None else specials["group"],
        known_in_advance=tuple(known),
        stages=tuple(s for s in STAGE_SLUGS if s in stages),
        expectations=expectations,
    )


def _read_expectations(
    r: _Reader,
    *,
    task: str,
    target: str,
    schema: Mapping[str, str],
    exclude: tuple[str, ...],
) -> Expectations:
    table = r.table("expectations", required=False)
    listed: dict[str, str] = {}  # column -> the key that lists it
    values: dict[str, tuple[str, ...]] = {}
    for key in ("invariant", "increasing", "decreasing"):
        where = f"expectations.{key}"
        names = (
            r.get(
                table,
                where,
                list,
                what='list column names, for example ["sex", "race"].',
            )
            or []
        )
        if names and key != "invariant" and task == "multiclass":
            raise r.fail(
                where,
                "is set, but the task is multiclass: there is no single prediction "
                "to move up or down.",
                "remove it; [expectations] invariant still applies, and a directional "
                "test can watch the probability of one class in the notebook.",
            )
        for name in names:
            if not isinstance(name, str) or not name:
                raise r.fail(
                    where,
                    f"must be a list of column names; it holds {name!r}.",
                    'write each name as a string, for example ["education_num"].',
                )
            if name == target:
                raise r.fail(
                    where,
                    f"lists the target {target!r}.",
                    "a behavioural test changes the model's inputs and watches its "
                    "prediction of the target; list input columns only.",
                )
            if name in listed:
                other = listed[name]
                raise r.fail(
                    where,
                    f"lists {name!r} twice."
                    if other == key
                    else f"lists {name!r}, which [expectations] {other} lists too.",
                    "a column leaves the prediction alone, raises it or lowers it: "
                    "keep it in one list.",
                )
            kind = schema.get(name)  # None: a column that hooks.features() adds
            if kind in _UNTESTABLE_KINDS:
                raise r.fail(
                    where,
                    f"lists {name!r}, of kind {kind!r}, which is not a model input a "
                    "test could vary.",
                    "list the model's input columns; a text column is tested by "
                    "perturbing its text (mlkit.evaluation.perturbation_test).",
                )
            if name in exclude:
                raise r.fail(
                    where,
                    f"lists {name!r}, which [columns] exclude keeps from the model.",
                    "a test can only vary the model's inputs: remove it from one of "
                    "the two lists.",
                )
            if key != "invariant" and kind is not None and kind not in _ORDERED_KINDS:
                raise r.fail(
                    where,
                    f"lists {name!r}, of kind {kind!r}, which has no order: 'more of "
                    "it' means nothing.",
                    f"list columns of kind {', '.join(_ORDERED_KINDS)} here; a category "
                    "may go in [expectations] invariant.",
                )
            listed[name] = key
        values[key] = tuple(names)
    return Expectations(**values)


def _check_column(
    r: _Reader,
    where: str,
    column: Any,
    schema: Mapping[str, str],
    kinds: tuple[str, ...] | None = None,
) -> None:
    if not isinstance(column, str) or column not in schema:
        close = difflib.get_close_matches(str(column), list(schema), n=1)
        raise r.fail(
            where,
            f"names {column!r}, which is not a column in [data.schema].",
            (f"did you mean {close[0]!r}? " if close else "")
            + f"The columns are: {', '.join(schema)}.",
        )
    if kinds is not None and schema[column] not in kinds:
        raise r.fail(
            where,
            f"names {column!r}, of kind {schema[column]!r}.",
            f"declare it in [data.schema] as {' or '.join(map(repr, kinds))}.",
        )


def _check_label_type(r: _Reader, label: Any, kind: str) -> None:
    expected = {"integer": int, "boolean": bool}.get(kind, str)
    if isinstance(label, bool) != (expected is bool) or not isinstance(label, expected):
        raise r.fail(
            "columns.positive_label",
            f"is {label!r}, but the target is of kind {kind!r}.",
            f"write it as a TOML {expected.__name__}, for example "
            + {int: "1", bool: "true", str: '">50K"'}[expected]
            + ".",
        )


def _read_costs(r: _Reader, task: str) -> Costs:
    costs = r.table("costs")
    unit = r.get(
        costs,
        "costs.unit",
        str,
        required=True,
        what='say what the costs are measured in, for example "USD".',
    )
    needed = _COST_KEYS_BY_TASK[task]
    values: dict[str, float | None] = {}
    for key in (
        _COST_KEYS_BY_TASK["binary"]
        + _COST_KEYS_BY_TASK["multiclass"]
        + _COST_KEYS_BY_TASK["regression"]
    ):
        value = r.get(costs, f"costs.{key}", (int, float))
        if value is not None and key not in needed:
            raise r.fail(
                f"costs.{key}",
                f"does not apply to a {task} task.",
                f"a {task} case sets: {', '.join(needed)}.",
            )
        if value is None and key in needed:
            raise r.fail(
                f"costs.{key}",
                f"is missing; a {task} case needs {', '.join(needed)}.",
                "estimate what one such error costs the business; the notebooks "
                "derive the decision rule and the metric from it (chapter 2).",
            )
        if value is not None and (value < 0 or not np.isfinite(value)):
            raise r.fail(
                f"costs.{key}",
                f"must be a finite number >= 0; got {value!r}.",
                "a cost is what an error loses; use 0 for errors that cost nothing.",
            )
        values[key] = None if value is None else float(value)
    if all(values[k] == 0 for k in needed):
        raise r.fail(
            f"costs.{needed[0]}",
            "and the other costs are all 0.",
            "at least one kind of error must cost something.",
        )
    rationale = r.get(costs, "costs.rationale", str) or ""
    return Costs(unit=unit, rationale=" ".join(rationale.split()), **values)


def _read_data(r: _Reader) -> DataSpec:
    data = r.table("data")
    schema_raw = r.get(
        data,
        "data.schema",
        dict,
        required=True,
        what="declare every column and its kind in a [data.schema] table.",
    )
    if not schema_raw:
        raise r.fail(
            "data.schema", "is empty.", "declare every column of the data and its kind."
        )
    for column, kind in schema_raw.items():
        # A list or a table is no kind either (and cannot be looked up in KINDS).
        if not isinstance(kind, str) or kind not in KINDS:
            close = difflib.get_close_matches(str(kind), KINDS, n=1)
            raise CaseError(
                with_hint(
                    f"{r.path}: [data.schema] {column} = {kind!r} is not a column kind.",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + f"The kinds are: {', '.join(KINDS)}.",
                )
            )
    file = r.get(data, "data.file", str)
    simulator = r.get(data, "data.simulator", str)
    if (file is None) == (simulator is None):
        raise r.fail(
            "data.file",
            "and [data] simulator: exactly one must be set.",
            "set file to the data file's path inside the case folder, or simulator "
            "to the name of a function in the case's hooks.py that returns the data.",
        )
    sha256 = r.get(data, "data.sha256", str)
    if file is not None:
        if Path(file).is_absolute() or ".." in Path(file).parts:
            raise r.fail(
                "data.file",
                f"is {file!r}, which is outside the case folder.",
                "put the data inside the case folder (for example data/my.csv) so "
                "that the case can be copied as one folder.",
            )
        if not _data_format(file):
            raise r.fail(
                "data.file",
                f"is {file!r}, which is not a CSV or Parquet file.",
                f"use one of: {', '.join(_DATA_SUFFIXES)}.",
            )
        if sha256 is None or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise r.fail(
                "data.sha256",
                f"must be the file's sha256 (64 hex digits); got {sha256!r}.",
                f"compute it with `sha256sum {file}` in the case folder.",
            )
    elif sha256 is not None:
        raise r.fail(
            "data.sha256",
            "is set, but the data come from a simulator.",
            "remove it; simulated data are checked against the schema instead.",
        )
    rows = r.get(data, "data.rows", int)
    if rows is not None and rows < 1:
        raise r.fail(
            "data.rows",
            f"must be a positive row count; got {rows!r}.",
            "give the number of rows the data has, or remove the key.",
        )
    na_values = r.get(data, "data.na_values", list) or []
    if not all(isinstance(v, str) for v in na_values):
        raise r.fail(
            "data.na_values",
            f"must be a list of strings; got {na_values!r}.",
            'list the strings that mean "missing" in the file, for example ["?"].',
        )
    options = r.get(data, "data.options", dict) or {}
    random_state = r.get(data, "data.random_state", int)
    if simulator is None and (options or random_state is not None):
        raise r.fail(
            "data.options",
            "and [data] random_state apply to simulators only.",
            "remove them, or set [data] simulator.",
        )
    return DataSpec(
        schema=MappingProxyType(dict(schema_raw)),
        file=file,
        sha256=sha256,
        rows=rows,
        na_values=tuple(na_values),
        simulator=simulator,
        options=MappingProxyType(dict(options)),
        random_state=random_state,
    )


# --------------------------------------------------------------------------- data


def _bad_values(raw: pd.Series, converted: pd.Series) -> pd.Series:
    return raw[raw.notna() & converted.isna()]


def _convert(raw: pd.Series, kind: str, fail) -> pd.Series:
    """Convert one column to its declared kind; call ``fail(bad, expected)`` on bad values."""
    if kind in ("text", "id"):
        return raw.astype("str")  # numeric identifiers become text too
    if kind == "category":
        return raw.astype("category")
    if kind in ("numeric", "integer"):
        if pd.api.types.is_bool_dtype(raw):
            fail(raw, "numbers")
        out = (
            raw
            if pd.api.types.is_numeric_dtype(raw)
            else pd.to_numeric(raw, errors="coerce")
        )
        bad = _bad_values(raw, out)
        if len(bad):
            fail(bad, "numbers")
        out = out.astype("float64")
        if kind == "numeric":
            return out
        finite = out.dropna()
        fractional = finite[finite != np.round(finite)]
        if len(fractional):
            fail(raw.loc[fractional.index], "whole numbers")
        return out.astype("Int64" if out.isna().any() else "int64")
    if kind == "boolean":
        if pd.api.types.is_bool_dtype(raw):
            return raw
        lower = raw.astype("str").str.strip().str.lower()
        out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        out[lower.isin(_TRUE)] = True
        out[lower.isin(_FALSE)] = False
        bad = _bad_values(raw, out)
        if len(bad):
            fail(bad, "true/false values (true, false, yes, no, 1, 0)")
        return out if out.isna().any() else out.astype("bool")
    if kind == "datetime":
        if pd.api.types.is_datetime64_any_dtype(raw):
            return raw
        out = pd.to_datetime(raw, format="ISO8601", errors="coerce")
        bad = _bad_values(raw, out)
        if len(bad):
            fail(bad, "dates in ISO 8601 form (2024-01-31 or 2024-01-31T13:45:00)")
        return out
    raise AssertionError(kind)  # kinds are validated when the spec is read


def _classes_as_text(y: pd.Series) -> pd.Series:
    """A binary category target with its classes as strings, as a CSV reads them.

    The positive label of a category target is a string; a Parquet file or a
    simulator can hold the classes as numbers (0.5 and 1.5), which would never
    equal it.
    """
    if all(isinstance(c, str) for c in y.cat.categories):
        return y
    return y.astype(object).map(str, na_action="ignore").astype("category")


# --------------------------------------------------------------------------- case


@dataclass(frozen=True, eq=False)
class Case:
    """A case study: its folder, its validated spec and a way to load its data.

    Get one with :func:`load`. Stage functions of mlkit never take a ``Case``: the
    notebooks pass them its data and the spec's values.
    """

    path: Path
    spec: CaseSpec

    @property
    def name(self) -> str:
        """The case's name: its folder's name."""
        return self.spec.name

    @property
    def spec_file(self) -> Path:
        """The case's ``case.toml``."""
        return self.path / SPEC_FILE

    @property
    def data_file(self) -> Path | None:
        """The data file, or None when a simulator makes the data."""
        return None if self.spec.data.file is None else self.path / self.spec.data.file

    @cached_property
    def readme(self) -> str:
        """The framing (the case's README.md), or an empty string when it has none."""
        readme = self.path / "README.md"
        return readme.read_text(encoding="utf-8") if readme.is_file() else ""

    def readme_section(self, title: str) -> str:
        """The text under the heading ``## <title>`` of the case's README.md, without
        the heading; an empty string when there is no such section.

        Examples
        --------
        >>> import mlkit as mk
        >>> mk.cases.load("income").readme_section("Business objective").split()[:3]
        ['Serve', 'qualified', 'applicants']
        """
        inside, found = False, []
        for line in self.readme.splitlines():
            if line.startswith("## "):
                inside = line[3:].strip().lower() == title.strip().lower()
            elif inside:
                found.append(line)
        return "\n".join(found).strip()

    @cached_property
    def source(self) -> str:
        """Where the data come from: the data folder's SOURCE.md, or the docstring of
        the simulator that makes them; an empty string when neither exists."""
        if self.spec.data.simulator is not None:
            hooks = self.hooks
            function = getattr(hooks, self.spec.data.simulator, None) if hooks else None
            import inspect

            return inspect.cleandoc(function.__doc__ or "") if function else ""
        source = self.path / Path(self.spec.data.file).parent / "SOURCE.md"
        return source.read_text(encoding="utf-8") if source.is_file() else ""

    @property
    def hooks_file(self) -> Path | None:
        """The case's ``hooks.py``, or None when it has none."""
        hooks = self.path / HOOKS_FILE
        return hooks if hooks.is_file() else None

    @cached_property
    def hooks(self) -> ModuleType | None:
        """The case's ``hooks.py`` as a module, imported on first use; None when absent.

        Only the ``hooks.py`` inside the case's own folder is ever imported.
        """
        if self.hooks_file is None:
            return None
        module_name = "mlkit_case_hooks_" + re.sub(r"\W", "_", self.name)
        spec = importlib.util.spec_from_file_location(module_name, self.hooks_file)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return module

    def rule(self, name: str) -> Callable[[pd.DataFrame], np.ndarray] | None:
        """The rule ``name`` of the case's ``hooks.py``, answering like an encoded target.

        Rules such as ``heuristic`` and ``existing_solution`` predict in the target's
        own values (``">50K"``, ``"spam"``); models are trained on the target as
        :func:`mlkit.features.encode_target` encodes it (1 for the positive label, 0
        otherwise, for a binary case). The returned function calls the rule and
        encodes its answer the same way, so that both can be scored side by side.
        None when the case has no such rule.

        Examples
        --------
        >>> import mlkit as mk
        >>> case = mk.cases.load("income")
        >>> rows = case.load_data().head(3)
        >>> case.rule("heuristic")(rows).tolist()
        [0, 1, 0]
        >>> case.rule("existing_solution") is None
        True
        """
        function = getattr(self.hooks, name, None) if self.hooks is not None else None
        if function is None:
            return None
        if not callable(function):
            raise CaseError(
                with_hint(
                    f"{self.hooks_file}: {name} is a {type(function).__name__}, not a function.",
                    f"define `def {name}(X)` returning one prediction per row of X.",
                )
            )
        if self.spec.task == "regression":
            return function
        from mlkit.features import encode_target

        task, positive_label = self.spec.task, self.spec.positive_label

        def encoded(X: pd.DataFrame) -> np.ndarray:
            answer = pd.Series(np.asarray(function(X)), index=X.index)
            return encode_target(
                answer, task=task, positive_label=positive_label
            ).to_numpy()

        return encoded

    def verify(self) -> str:
        """Check the data file against the sha256 in ``case.toml`` and return the digest.

        Raises :class:`~mlkit._exceptions.CaseError` when the file is missing or differs.
        A simulated case has no file, and its digest is the empty string.
        """
        if self.data_file is None:
            return ""
        if not self.data_file.is_file():
            raise CaseError(
                with_hint(
                    f"{self.spec_file}: [data] file = {self.spec.data.file!r} does not exist "
                    f"(looked for {self.data_file}).",
                    "put the data file there, or correct the path in case.toml.",
                )
            )
        actual = sha256_file(self.data_file)
        if actual != self.spec.data.sha256:
            raise CaseError(
                with_hint(
                    f"{self.data_file} does not match its checksum: case.toml expects sha256 "
                    f"{self.spec.data.sha256}, the file has {actual}. The file was changed, "
                    "truncated or replaced.",
                    "restore the original (for a shipped case: `git checkout -- "
                    f"{self.spec.data.file}` in the case folder); if you changed the data on "
                    f'purpose, set [data] sha256 = "{actual}" in {self.spec_file}.',
                )
            )
        return actual

    def load_data(self) -> pd.DataFrame:
        """Read the data, check them against the spec and return a new DataFrame.

        Checks the file's sha256, that the columns are exactly those of
        ``[data.schema]``, that every value converts to its column's kind, the row
        count, and that the target fits the task. Each call returns a fresh frame.
        """
        if self.spec.data.simulator is not None:
            raw = self._simulate()
            source = f"the simulator {self.spec.data.simulator}() in {self.hooks_file}"
        else:
            self.verify()
            raw = self._read_file()
            source = str(self.data_file)
        return self._check(raw, source)

    def _read_file(self) -> pd.DataFrame:
        path = self.data_file
        assert path is not None
        if self.spec.data.format == "parquet":
            from mlkit._optional import require

            require("pyarrow", purpose=f"read the Parquet file {path}")
            return pd.read_parquet(path)
        # Everything as text first, so each column converts once, to its declared kind,
        # and a bad value is reported with its column and row.
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=["", *self.spec.data.na_values],
        )

    def _simulate(self) -> pd.DataFrame:
        name = self.spec.data.simulator
        hooks = self.hooks
        if hooks is None or not callable(getattr(hooks, name, None)):
            raise CaseError(
                with_hint(
                    f"{self.spec_file}: [data] simulator = {name!r}, but "
                    f"{self.path / HOOKS_FILE} has no function of that name.",
                    f"define `def {name}(random_state=None, **options)` returning a DataFrame "
                    "in the case's hooks.py.",
                )
            )
        data = getattr(hooks, name)(
            random_state=self.spec.data.random_state, **self.spec.data.options
        )
        if not isinstance(data, pd.DataFrame):
            raise CaseError(
                with_hint(
                    f"{self.hooks_file}: {name}() returned {type(data).__name__}, not a DataFrame.",
                    "return a pandas DataFrame with the columns of [data.schema].",
                )
            )
        return data

    def _check(self, raw: pd.DataFrame, source: str) -> pd.DataFrame:
        spec, schema = self.spec, self.spec.data.schema
        missing = [c for c in schema if c not in raw.columns]
        extra = [str(c) for c in raw.columns if c not in schema]
        if missing or extra:
            parts = []
            if missing:
                parts.append(
                    f"lacks column(s) {', '.join(map(repr, missing))} declared in "
                    "[data.schema]"
                )
            if extra:
                parts.append(
                    f"has column(s) {', '.join(map(repr, extra))} that [data.schema] "
                    "does not declare"
                )
            raise CaseError(
                with_hint(
                    f"{source} {' and '.join(parts)} ({self.spec_file}).",
                    "make [data.schema] list exactly the data's columns, each with its kind; "
                    "a renamed column in a new version of the data shows up here.",
                )
            )
        if spec.data.rows is not None and len(raw) != spec.data.rows:
            raise CaseError(
                with_hint(
                    f"{source} has {len(raw):,} rows, but {self.spec_file} says [data] rows = "
                    f"{spec.data.rows:,}.",
                    "the file may be truncated or be another version; restore it, or update "
                    "[data] rows if the change is intended.",
                )
            )

        def fail_for(column: str, kind: str):
            def fail(bad: pd.Series, expected: str) -> None:
                examples = ", ".join(
                    f"{value!r} (row {pos})"
                    for pos, value in zip(
                        np.flatnonzero(raw.index.isin(bad.index))[:3],
                        bad.head(3),
                        strict=False,
                    )
                )
                count = f"{len(bad):,} value(s) that are not {expected}"
                raise CaseError(
                    with_hint(
                        f"{source}: column {column!r}, declared {kind!r} in [data.schema] of "
                        f"{self.spec_file}, has {count}"
                        + (f", for example {examples}." if examples else "."),
                        f"fix those values in the data, declare the column with another kind "
                        f"(one of {', '.join(KINDS)}), or list the strings that mean 'missing' "
                        "in [data] na_values.",
                    )
                )

            return fail

        out = pd.DataFrame(
            {
                col: _convert(raw[col], kind, fail_for(col, kind))
                for col, kind in schema.items()
            },
            index=pd.RangeIndex(len(raw)),
        )
        if spec.task == "binary" and schema[spec.target] == "category":
            out[spec.target] = _classes_as_text(out[spec.target])
        self._check_target(out[spec.target], source)
        return out

    def _check_target(self, y: pd.Series, source: str) -> None:
        spec = self.spec
        where = f"{source}: target {spec.target!r} ({self.spec_file})"
        if y.isna().any():
            raise CaseError(
                with_hint(
                    f"{where} is missing in {int(y.isna().sum()):,} row(s).",
                    "drop or label those rows before making a case of the data; unlabelled "
                    "rows belong to the labeling stage, not to the case's data.",
                )
            )
        n_classes = y.nunique()
        if spec.task == "binary":
            values = set(y.unique().tolist())
            if n_classes != 2:
                raise CaseError(
                    with_hint(
                        f"{where} has {n_classes} distinct value(s), but the task is binary.",
                        'a binary target has exactly two values; set task = "multiclass" for '
                        "more, or fix the data.",
                    )
                )
            if spec.positive_label not in values:
                raise CaseError(
                    with_hint(
                        f"{where}: positive_label = {spec.positive_label!r} is not one of its "
                        f"values {sorted(map(str, values))}.",
                        "set [columns] positive_label to the value that marks the class to detect.",
                    )
                )
        elif spec.task == "multiclass" and n_classes < 3:
            raise CaseError(
                with_hint(
                    f"{where} has {n_classes} distinct value(s), but the task is multiclass.",
                    'a multiclass target has three values or more; use task = "binary" for two.',
                )
            )

    def summary(self) -> pd.DataFrame:
        """The spec as a two-column table (``field``, ``value``) for reading."""
        s = self.spec
        costs = s.costs
        cost_text = ", ".join(
            f"{k.replace('_', ' ')} {getattr(costs, k):g}"
            for k in _COST_KEYS_BY_TASK[s.task]
        )
        rows = [
            ("name", s.name),
            ("title", s.title),
            ("task", s.task),
            (
                "target",
                s.target
                + (f" (positive: {s.positive_label!r})" if s.task == "binary" else ""),
            ),
            ("time column", s.time_column or "none"),
            ("label time column", s.label_time_column or "none"),
            ("group column", s.group_column or "none"),
            ("text column", s.text_column or "none"),
            ("sensitive columns", ", ".join(s.sensitive_columns) or "none"),
            ("excluded columns", ", ".join(s.exclude_columns) or "none"),
            ("costs of errors", f"{cost_text} ({costs.unit})"),
            ("prediction", s.prediction or "not set"),
            (
                "latency budget",
                f"{s.latency_budget_ms:g} ms" if s.latency_budget_ms else "not set",
            ),
            (
                "expected behaviour",
                "; ".join(
                    f"{key}: {', '.join(getattr(s.expectations, key))}"
                    for key in ("invariant", "increasing", "decreasing")
                    if getattr(s.expectations, key)
                )
                or "none",
            ),
            ("data", s.data.file or f"simulator {s.data.simulator}()"),
            ("rows", f"{s.data.rows:,}" if s.data.rows else "not declared"),
            (
                "stages",
                f"all {len(s.stages)}"
                if s.stages == STAGE_SLUGS
                else ", ".join(s.stages),
            ),
        ]
        return pd.DataFrame(rows, columns=["field", "value"])

    def __repr__(self) -> str:
        rows = f", {self.spec.data.rows:,} rows" if self.spec.data.rows else ""
        return (
            f"<Case {self.name!r}: {self.spec.task} task, target "
            f"{self.spec.target!r}{rows}, at {self.path}>"
        )

    def _repr_html_(self) -> str:
        from html import escape

        from mlkit._results import html_table

        table = html_table(self.summary())
        return (
            f"<div class='mlkit-case'><h4>{escape(self.spec.title)}</h4>"
            f"<p>{escape(self.spec.story)}</p>{table}</div>"
        )


# --------------------------------------------------------------------------- lookup


def _candidates() -> list[Path]:
    folders = []
    for base in _resources.case_dirs():
        if base.is_dir():
            folders.extend(
                sorted(p for p in base.iterdir() if (p / SPEC_FILE).is_file())
            )
    return folders


def available() -> pd.DataFrame:
    """The cases that :func:`load` finds by name, as a table.

    The shipped cases come first, then those in the folders listed in the
    ``MLKIT_CASES_PATH`` environment variable. A case whose ``case.toml`` is invalid
    is listed with the error in the ``problem`` column instead of being hidden.

    Returns
    -------
    pandas.DataFrame
        One row per case, indexed by ``name``, with columns ``title``, ``task``,
        ``target``, ``rows``, ``stages`` (how many of the 13 apply), ``path`` and
        ``problem`` (empty when the case is valid).

    Examples
    --------
    >>> import mlkit as mk
    >>> table = mk.cases.available()
    >>> {"spam", "income"} <= set(table.index)
    True
    """
    rows, seen = [], {}
    for folder in _candidates():
        row = {
            "name": folder.name,
            "title": "",
            "task": "",
            "target": "",
            "rows": pd.NA,
            "stages": pd.NA,
            "path": str(folder),
            "problem": "",
        }
        if folder.name in seen:
            row["problem"] = (
                f"the name is taken by {seen[folder.name]}; load this one by its path"
            )
        else:
            seen[folder.name] = folder
            try:
                spec = _read_spec(folder)
            except CaseError as exc:
                row["problem"] = str(exc).split("\nHint:")[0]
            else:
                row.update(
                    title=spec.title,
                    task=spec.task,
                    target=spec.target,
                    rows=spec.data.rows if spec.data.rows else pd.NA,
                    stages=len(spec.stages),
                )
        rows.append(row)
    columns = ["name", "title", "task", "target", "rows", "stages", "path", "problem"]
    table = pd.DataFrame(rows, columns=columns)
    table["rows"] = table["rows"].astype("Int64")
    table["stages"] = table["stages"].astype("Int64")
    return table.set_index("name")


def load(case: str | os.PathLike[str] | Case) -> Case:
    """Load a case by name (``"spam"``) or by the path of its folder or ``case.toml``.

    Parameters
    ----------
    case : str, path-like or Case
        A name from :func:`available`, or a path to a case folder anywhere on disk.

    Returns
    -------
    Case
        With the validated spec; the data are read by :meth:`Case.load_data`.

    Raises
    ------
    CaseError
        When no case has that name, or the case's ``case.toml`` is invalid; the
        message names the file, the key and the fix.

    Examples
    --------
    >>> import mlkit as mk
    >>> mk.cases.load("income").spec.sensitive_columns
    ('sex', 'race')
    """
    if isinstance(case, Case):
        return case
    if not isinstance(case, (str, os.PathLike)):
        raise MlkitTypeError(
            with_hint(
                f"'case' must be a case name, a path or a Case; got {type(case).__name__}.",
                "pass a name from mk.cases.available(), or the path of a case folder.",
            )
        )
    text = os.fspath(case)
    by_name = {folder.name: folder for folder in reversed(_candidates())}
    looks_like_path = (
        isinstance(case, os.PathLike)
        or any(sep in text for sep in ("/", os.sep))
        or text.startswith(".")
    )
    if not looks_like_path and text in by_name:
        folder = by_name[text]
    else:
        folder = Path(text).expanduser()
        if folder.name == SPEC_FILE:
            folder = folder.parent
        if not looks_like_path and not (folder / SPEC_FILE).is_file():
            close = difflib.get_close_matches(text, by_name, n=1)
            raise CaseError(
                with_hint(
                    f"No case named {text!r}: 'case' must be the name of a case or "
                    "the path of its folder.",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + f"Available: {', '.join(sorted(by_name))}. A case folder elsewhere "
                    "loads by its path, or by name once its parent folder is listed in "
                    "MLKIT_CASES_PATH.",
                )
            )
    folder = folder.resolve()
    try:
        spec = _read_spec(folder)
    except CaseError as error:
        # The message names the file and the key; say which argument led there.
        message, _, hint = str(error).partition("\nHint: ")
        raise CaseError(
            with_hint(f"'case' {text!r} cannot be loaded: {message}", hint)
        ) from None
    return Case(path=folder, spec=spec)
