"""The design process: its stages, and the log of the decisions made along it.

The book's central idea is that designing an ML system is iterative: scope, data,
training data, features, model, evaluation, deployment, monitoring, continual
learning, then around again with what was learned. :data:`STAGES` lists the
stages, one guided notebook each.

A :class:`DesignLog` records each decision of one iteration of one case (the stage,
the question, the options considered, the choice, the rationale and the evidence)
as one line of a JSON-lines file, and keeps the artifacts that later stages need
(the split, the model, its predictions), so that the split chosen in one notebook
is the one a later notebook evaluates on. It also records every experiment run on
the way (the model, its parameters, its metrics), so that runs can be compared and
reproduced (chapter 6)::

    runs/<case>/iter-<N>/
        iteration.json      when and how the iteration was made, its status
        design_log.jsonl    one decision, artifact or experiment per line, appended
        artifacts/          the files the log's artifact lines point to

:func:`model_card` gathers what an iteration decided and measured into a
:class:`ModelCard`, the nine sections of Mitchell et al. (2019), "Model Cards for
Model Reporting", as Markdown or as one self-contained HTML page (chapter 11); what
is not recorded yet is said in place, with the notebook that records it.

Examples
--------
>>> import tempfile
>>> from mlkit.design import DesignLog
>>> runs = tempfile.mkdtemp()
>>> log = DesignLog("spam", run_dir=runs)
>>> log.record("metric.primary", stage="scoping",
...            question="Which metric ranks models?",
...            options=["accuracy", "expected_cost"], choice="expected_cost",
...            rationale="Errors cost different amounts.").choice
'expected_cost'
>>> log.get("metric.primary").rationale
'Errors cost different amounts.'
>>> log.iteration, len(log.to_frame())
(1, 1)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import numbers
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from mlkit._exceptions import (
    DefaultsUsedWarning,
    DesignLogError,
    DesignLogWarning,
    MlkitTypeError,
    MlkitValueError,
    with_hint,
)
from mlkit._io import atomic_write, sha256_file
from mlkit._model_card import ModelCard, model_card
from mlkit._results import Result

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

__all__ = [
    "STAGES",
    "STAGE_SLUGS",
    "Decision",
    "DefaultsUsedWarning",
    "DesignComparison",
    "DesignLog",
    "DesignLogWarning",
    "Experiment",
    "ModelCard",
    "Stage",
    "model_card",
    "stage",
    "stages_frame",
]


# --------------------------------------------------------------------------- stages


@dataclass(frozen=True)
class Stage:
    """One stage of the design process and the guided notebook that teaches it."""

    slug: str
    number: int
    title: str
    chapters: tuple[int, ...]
    notebook: str
    question: str


#: The stages in the order the process visits them; ``review`` leads back to ``scoping``.
STAGES: tuple[Stage, ...] = (
    Stage(
        "start",
        0,
        "Start here",
        (1,),
        "00_start_here.ipynb",
        "How does ML in production differ from ML in research, and how does this "
        "toolkit walk the process?",
    ),
    Stage(
        "scoping",
        1,
        "Scoping",
        (2,),
        "01_scoping.ipynb",
        "Which business objective, which ML objective, which metric, which requirements?",
    ),
    Stage(
        "data",
        2,
        "Data",
        (3,),
        "02_data.ipynb",
        "Where do the data come from, in which format, processed in batch or as a stream?",
    ),
    Stage(
        "training_data",
        3,
        "Training data",
        (4, 5),
        "03_training_data.ipynb",
        "How to sample and split so that offline numbers match deployment?",
    ),
    Stage(
        "labels",
        4,
        "Labels",
        (4,),
        "04_labels.ipynb",
        "Where do the labels come from, and how good are they?",
    ),
    Stage(
        "features",
        5,
        "Features",
        (5,),
        "05_features.ipynb",
        "Which features, how encoded, and do any of them leak the label?",
    ),
    Stage(
        "model_development",
        6,
        "Model development",
        (6,),
        "06_model_development.ipynb",
        "Which baselines, and which model beats them by enough to matter?",
    ),
    Stage(
        "offline_evaluation",
        7,
        "Offline evaluation",
        (6,),
        "07_offline_evaluation.ipynb",
        "Is the model good on every slice, robust, calibrated, at the right threshold?",
    ),
    Stage(
        "fairness",
        8,
        "Fairness",
        (11,),
        "08_fairness_and_responsible_ml.ipynb",
        "Who bears the errors, and what does a mitigation cost?",
    ),
    Stage(
        "deployment",
        9,
        "Deployment",
        (7,),
        "09_deployment.ipynb",
        "Batch or online, how fast, how big, and how is the model shipped?",
    ),
    Stage(
        "monitoring",
        10,
        "Monitoring",
        (8,),
        "10_monitoring.ipynb",
        "What shifts after deployment, and how do we notice in time?",
    ),
    Stage(
        "continual_learning",
        11,
        "Continual learning",
        (9,),
        "11_continual_learning.ipynb",
        "How often to retrain, and how to test a new model in production?",
    ),
    Stage(
        "review",
        12,
        "Review and iterate",
        (2, 10, 11),
        "12_review_and_iterate.ipynb",
        "What did this iteration teach, and what changes in the next?",
    ),
)

#: The slugs of :data:`STAGES`, in order.
STAGE_SLUGS: tuple[str, ...] = tuple(s.slug for s in STAGES)
_BY_SLUG = {s.slug: s for s in STAGES}
_REQUIRED = {
    "decision": ("key", "stage"),
    "artifact": ("name", "file", "sha256"),
    "experiment": ("name", "stage", "metrics"),
}


def stage(slug: str) -> Stage:
    """The :class:`Stage` with this slug.

    Examples
    --------
    >>> stage("scoping").notebook
    '01_scoping.ipynb'
    """
    return _check_stage(slug, "slug")


def _check_stage(slug: Any, name: str) -> Stage:
    try:
        return _BY_SLUG[slug]
    except (KeyError, TypeError):
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be one of the stages' slugs; got {slug!r}.",
                f"use one of: {', '.join(STAGE_SLUGS)}.",
            )
        ) from None


def _stage(slug: Any) -> Stage:
    """:func:`stage`, for methods whose parameter is called ``stage``."""
    return _check_stage(slug, "stage")


def stages_frame(
    *, applies: Iterable[str] | None = None, decisions: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """The stages as a table, ready for :func:`mlkit.charts.process_map`.

    Parameters
    ----------
    applies : iterable of str, optional
        Slugs of the stages that apply to a case (a case's ``spec.stages``); all
        stages when omitted.
    decisions : mapping of str to int, optional
        Number of decisions recorded per stage slug.

    Returns
    -------
    pandas.DataFrame
        Columns ``number``, ``slug``, ``title``, ``chapters``, ``notebook``,
        ``question``, ``applies`` (bool), ``decisions`` (int) and ``ready`` (bool:
        whether this version of mlkit ships the stage's notebook).
    """
    import pandas as pd

    from mlkit._resources import notebooks_dir

    applies = set(STAGE_SLUGS if applies is None else _check_slugs(applies))
    decisions = _check_counts(decisions)
    return pd.DataFrame(
        {
            "number": [s.number for s in STAGES],
            "slug": list(STAGE_SLUGS),
            "title": [s.title for s in STAGES],
            "chapters": [", ".join(map(str, s.chapters)) for s in STAGES],
            "notebook": [s.notebook for s in STAGES],
            "question": [s.question for s in STAGES],
            "applies": [s.slug in applies for s in STAGES],
            "decisions": [int(decisions.get(s.slug, 0)) for s in STAGES],
            "ready": [(notebooks_dir() / s.notebook).is_file() for s in STAGES],
        }
    )


def _check_slugs(applies: Any) -> list[str]:
    """``applies`` as a list of stage slugs, or an error naming it."""
    if isinstance(applies, (str, bytes, Mapping)) or not isinstance(applies, Iterable):
        raise MlkitTypeError(
            with_hint(
                f"'applies' must be a list of stage slugs; got {applies!r}.",
                "pass, for example, applies=['scoping', 'data'], or case.spec.stages.",
            )
        )
    slugs = list(applies)
    for slug in slugs:
        _check_stage(slug, "applies")
    return slugs


def _check_counts(decisions: Any) -> dict[str, int]:
    """``decisions`` as counts per stage slug, or an error naming it."""
    if decisions is None:
        return {}
    if not isinstance(decisions, Mapping):
        raise MlkitTypeError(
            with_hint(
                f"'decisions' must map stage slugs to counts; got {decisions!r}.",
                "pass, for example, decisions={'scoping': 2}.",
            )
        )
    counts = {}
    for slug, count in decisions.items():
        _check_stage(slug, "decisions")
        integer = isinstance(count, numbers.Integral) and not isinstance(count, bool)
        if not integer or count < 0:
            raise (MlkitValueError if integer else MlkitTypeError)(
                with_hint(
                    f"'decisions' must map stage slugs to counts >= 0; got "
                    f"{count!r} for {slug!r}.",
                    "count the decisions recorded at each stage, for example "
                    "decisions={'scoping': 2}.",
                )
            )
        counts[slug] = int(count)
    return counts


# --------------------------------------------------------------------------- records

_KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# An artifact name or a decision key, plus "+" to name combinations ("boosting+smote").
_EXPERIMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
# Columns of DesignLog.experiments() that a metric's name would collide with.
_EXPERIMENT_COLUMNS = (
    "time",
    "stage",
    "name",
    "model",
    "duration_s",
    "notes",
    "params",
)
Source = Literal["notebook", "default", "override"]


@dataclass(frozen=True)
class Decision:
    """One decision of the design log."""

    key: str
    stage: str
    question: str
    choice: Any
    options: tuple[Any, ...] = ()
    rationale: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    source: Source = "notebook"
    time: str = ""

    @classmethod
    def _from_line(cls, line: Mapping[str, Any]) -> Decision:
        return cls(
            key=line["key"],
            stage=line["stage"],
            question=line.get("question", ""),
            choice=line.get("choice"),
            options=tuple(line.get("options") or ()),
            rationale=line.get("rationale", ""),
            evidence=line.get("evidence") or {},
            source=line.get("source", "notebook"),
            time=line.get("time", ""),
        )


@dataclass(frozen=True)
class Experiment:
    """One experiment of the design log: a model tried, and what it measured.

    Attributes
    ----------
    name : str
        What was tried, such as ``"logistic"`` or ``"boosting+balanced"``.
    stage : str
        The slug of the stage that ran it.
    metrics : dict of str to float
        What it measured; NaN where a metric could not be computed.
    model : str
        A short description of the estimator: its class (the steps of a
        pipeline) and its non-default parameters; empty when none was given.
    params : dict
        Other settings of the run, as recorded.
    notes : str
        Free text.
    duration_s : float or None
        How long fitting took, in seconds.
    time : str
        When it was recorded (UTC, ISO 8601).
    """

    name: str
    stage: str
    metrics: dict[str, float]
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    duration_s: float | None = None
    time: str = ""

    @classmethod
    def _from_line(cls, line: Mapping[str, Any]) -> Experiment:
        return cls(
            name=line["name"],
            stage=line["stage"],
            # JSON has no NaN: a metric that could not be computed is stored as null.
            metrics={
                str(k): math.nan if v is None else float(v)
                for k, v in line["metrics"].items()
            },
            model=line.get("model") or "",
            params=dict(line.get("params") or {}),
            notes=line.get("notes") or "",
            duration_s=line.get("duration_s"),
            time=line.get("time", ""),
        )


def _now() -> str:
    return (
        _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _quoted(where: str) -> str:
    """``evidence['a']`` as ``'evidence'['a']``: the argument, in quotes, then the path."""
    root, sep, rest = where.partition("[")
    head, space, tail = root.partition(" ")
    return f"'{head}'{space}{tail}{sep}{rest}"


def _jsonable(value: Any, where: str) -> Any:
    """Convert ``value`` to plain JSON types, or raise naming where it came from."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # np.str_ is a str, but its repr is not
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = float(value)  # np.float64 is a float, but its repr is not
        return (
            None
            if math.isnan(value)
            else (value if math.isfinite(value) else str(value))
        )
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            text = str(k)
            if text in out:
                # JSON keys are strings: 1 and "1" would silently become one key.
                raise DesignLogError(
                    with_hint(
                        f"{_quoted(where)} has two keys that are both {text!r} as "
                        "text, such as 1 and '1'.",
                        "give every key its own name.",
                    )
                )
            out[text] = _jsonable(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        items = [_jsonable(v, where) for v in value]
        # A set has no order: sort it, by kind then value when the kinds differ.
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=lambda v: (type(v).__name__, repr(v)))
    if isinstance(value, (Path, _dt.date, _dt.datetime)):
        return str(value) if isinstance(value, Path) else value.isoformat()
    kind = type(value).__module__.split(".")[0]
    if kind == "numpy":
        import numpy as np

        if isinstance(value, np.generic):
            return _jsonable(value.item(), where)
        if isinstance(value, np.ndarray):
            return _jsonable(value.tolist(), where)
    if kind == "pandas":
        import pandas as pd

        if isinstance(value, pd.Series):
            return _jsonable(value.to_dict(), where)
        if isinstance(value, pd.DataFrame):
            return _jsonable(value.to_dict(orient="records"), where)
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
        if value is pd.NA or value is pd.NaT:
            return None
    raise DesignLogError(
        with_hint(
            f"{_quoted(where)} is a {type(value).__name__}, which a design log cannot "
            "store as text.",
            "record numbers, strings, lists, dicts, numpy values or small pandas objects; "
            "save models and large tables with save_artifact().",
        )
    )


# --------------------------------------------------------------------------- the log


class DesignLog:
    """The decisions and artifacts of one iteration of one case.

    Parameters
    ----------
    case : str or Case
        The case's name (a :class:`~mlkit.cases.Case` is accepted for its name).
    run_dir : str or path-like, default "runs"
        The run folder; the log lives in ``run_dir/<case>/iter-<N>/``.
    iteration : int, "latest" or "new", default "latest"
        Which iteration: a number; ``"latest"``, the newest one (the first when there
        is none); or ``"new"``, one past the newest.

    Notes
    -----
    Nothing is written until the first decision, artifact or experiment. The log
    only ever appends: recording a key again supersedes the earlier line, which
    stays in the file as history; every run of an experiment is kept. A corrupted line is reported with its number and skipped; the
    rest of the log stays readable.
    """

    FILENAME: ClassVar[str] = "design_log.jsonl"
    METADATA: ClassVar[str] = "iteration.json"
    ARTIFACTS: ClassVar[str] = "artifacts"

    def __init__(
        self,
        case: Any,
        *,
        run_dir: str | os.PathLike[str] = "runs",
        iteration: int | Literal["latest", "new"] = "latest",
    ):
        name = getattr(case, "name", case)
        if not isinstance(name, str) or not name or any(c in name for c in "/\\"):
            raise MlkitTypeError(
                with_hint(
                    f"'case' must be a case name (a string without slashes); got {case!r}.",
                    'pass case.name, for example DesignLog("spam").',
                )
            )
        if not isinstance(run_dir, (str, os.PathLike)):
            raise MlkitTypeError(
                with_hint(
                    f"'run_dir' must be a folder path; got {type(run_dir).__name__}.",
                    "pass a path such as run_dir='runs'.",
                )
            )
        self.case = name
        self.run_dir = Path(run_dir).expanduser()
        for place in (self.run_dir, self.run_dir / name):
            if place.exists() and not place.is_dir():
                raise MlkitValueError(
                    with_hint(
                        f"'run_dir' must be a folder; {str(place)!r} is a file.",
                        "pass the run folder, such as run_dir='runs', not a file in it.",
                    )
                )
        existing = self.iterations(name, run_dir=self.run_dir)
        if iteration == "latest":
            number = existing[-1] if existing else 1
        elif iteration == "new":
            number = (existing[-1] if existing else 0) + 1
        elif (
            isinstance(iteration, int)
            and not isinstance(iteration, bool)
            and iteration >= 1
        ):
            number = iteration
        else:
            raise MlkitValueError(
                with_hint(
                    f"'iteration' must be a number >= 1, 'latest' or 'new'; got {iteration!r}.",
                    "use 'latest' to continue the newest iteration, 'new' to start another.",
                )
            )
        self.iteration: int = number
        self._cache: tuple[tuple[int, int], list[dict[str, Any]]] | None = None

    # -- where things are

    @property
    def folder(self) -> Path:
        """The iteration's folder, ``run_dir/<case>/iter-<N>``."""
        return self.run_dir / self.case / f"iter-{self.iteration}"

    @property
    def path(self) -> Path:
        """The JSON-lines file of decisions and artifacts."""
        return self.folder / self.FILENAME

    @staticmethod
    def iterations(case: str, *, run_dir: str | os.PathLike[str] = "runs") -> list[int]:
        """The iteration numbers that exist for ``case`` in ``run_dir``, in order."""
        base = Path(run_dir).expanduser() / case
        if not base.is_dir():
            return []
        numbers = []
        for child in base.iterdir():
            match = re.fullmatch(r"iter-(\d+)", child.name)
            if match and child.is_dir():
                numbers.append(int(match.group(1)))
        return sorted(numbers)

    @classmethod
    def start(
        cls,
        case: Any,
        *,
        run_dir: str | os.PathLike[str] = "runs",
        overrides: Mapping[str, Any] | None = None,
        source: str = "notebook",
    ) -> DesignLog:
        """Start a new iteration and write its metadata.

        ``overrides`` maps decision keys to values that replace the notebooks'
        choices in this iteration (see :meth:`record`).
        """
        log = cls(case, run_dir=run_dir, iteration="new")
        for key in overrides or {}:
            log._check_key(key)
        log._ensure(overrides=dict(overrides or {}), source=source)
        return log

    # -- metadata

    @property
    def metadata(self) -> dict[str, Any]:
        """The content of ``iteration.json`` (empty before anything was written)."""
        path = self.folder / self.METADATA
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            warnings.warn(
                f"{path} is not valid JSON ({exc}); its metadata are ignored.",
                DesignLogWarning,
                stacklevel=2,
            )
            return {}

    @property
    def overrides(self) -> dict[str, Any]:
        """Decision keys whose choice is set for this iteration, with their values."""
        return dict(self.metadata.get("overrides") or {})

    @property
    def status(self) -> str:
        """``"new"`` before anything was written, then ``"open"``, ``"running"``,
        ``"complete"``, ``"failed"`` or ``"interrupted"``."""
        return self.metadata.get("status", "new")

    def set_status(self, status: str, note: str = "", **info: Any) -> None:
        """Record the iteration's status (used by ``mlkit run``)."""
        meta = self._ensure()
        meta["status"] = status
        meta.update(_jsonable(info, "info"))
        meta.setdefault("history", []).append(
            {"time": _now(), "status": status, "note": note}
        )
        self._write_metadata(meta)

    def _ensure(
        self, *, overrides: dict[str, Any] | None = None, source: str = "notebook"
    ) -> dict[str, Any]:
        meta = self.metadata
        if meta:
            return meta
        from mlkit import __version__

        self.folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "case": self.case,
            "iteration": self.iteration,
            "created": _now(),
            "created_by": source,
            "mlkit_version": __version__,
            "status": "open",
            "overrides": _jsonable(overrides or {}, "overrides"),
            "history": [],
        }
        self._write_metadata(meta)
        return meta

    def _write_metadata(self, meta: Mapping[str, Any]) -> None:
        atomic_write(
            self.folder / self.METADATA,
            (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode(),
        )

    # -- reading

    def _lines(self) -> list[dict[str, Any]]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        key = (stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        lines = []
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                    if not isinstance(line, dict) or line.get("type") not in _REQUIRED:
                        raise ValueError("not a decision, an artifact or an experiment")
                    missing = [f for f in _REQUIRED[line["type"]] if f not in line]
                    if missing:
                        raise ValueError(f"no {', '.join(missing)}")
                    if line["type"] == "experiment" and not isinstance(
                        line["metrics"], dict
                    ):
                        raise ValueError("its metrics are not an object")
                except ValueError as exc:
                    warnings.warn(
                        f"{self.path}, line {number}, is not a valid design-log line and was "
                        f"skipped ({exc}): {text.strip()[:80]!r}. The other lines were read.",
                        DesignLogWarning,
                        stacklevel=3,
                    )
                    continue
                lines.append(line)
        self._cache = (key, lines)
        return lines

    def _latest(self, kind: str, field_name: str) -> dict[str, dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for line in self._lines():
            if line["type"] == kind:
                latest.pop(
                    line[field_name], None
                )  # keep the order of the latest record
                latest[line[field_name]] = line
        return latest

    @property
    def decisions(self) -> list[Decision]:
        """The latest decision for each key, in the order they were last recorded."""
        return [
            Decision._from_line(line)
            for line in self._latest("decision", "key").values()
        ]

    def get(self, key: str) -> Decision | None:
        """The latest decision recorded for ``key`` in this iteration, or None."""
        line = self._latest("decision", "key").get(key)
        return None if line is None else Decision._from_line(line)

    def to_frame(self, *, history: bool = False) -> pd.DataFrame:
        """The decisions as a table.

        Parameters
        ----------
        history : bool, default False
            Every line ever recorded, superseded ones included, instead of the
            latest decision per key.

        Returns
        -------
        pandas.DataFrame
            Columns ``stage``, ``key``, ``question``, ``choice``, ``options``,
            ``rationale``, ``evidence``, ``source`` and ``time``.
        """
        import pandas as pd

        columns = [
            "stage",
            "key",
            "question",
            "choice",
            "options",
            "rationale",
            "evidence",
            "source",
            "time",
        ]
        if history:
            records = [
                Decision._from_line(x) for x in self._lines() if x["type"] == "decision"
            ]
        else:
            records = self.decisions
        return pd.DataFrame(
            [[getattr(d, c) for c in columns] for d in records], columns=columns
        ).astype(
            {
                "stage": "str",
                "key": "str",
                "question": "str",
                "rationale": "str",
                "source": "str",
                "time": "str",
            }
        )

    # -- writing

    def _check_key(self, key: Any) -> None:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise MlkitValueError(
                with_hint(
                    f"'key' must be a dotted lower-case name such as 'split.strategy'; got {key!r}.",
                    "name the topic, then the option: 'metric.primary', 'model.kind'.",
                )
            )

    def _append(self, line: Mapping[str, Any]) -> None:
        self._ensure()
        text = json.dumps(line, ensure_ascii=False, allow_nan=False)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")

    def record(
        self,
        key: str,
        *,
        stage: str,
        question: str,
        choice: Any,
        options: Sequence[Any] = (),
        rationale: str = "",
        evidence: Mapping[str, Any] | None = None,
        _source: Source = "notebook",
    ) -> Decision:
        """Record a decision and return it.

        Parameters
        ----------
        key : str
            A dotted name for what is decided, such as ``"split.strategy"``. Later
            stages read the decision by this key.
        stage : str
            The slug of the stage that decides (see :data:`STAGES`).
        question : str
            The question the decision answers, in plain words.
        choice : JSON-like
            What was chosen.
        options : sequence, optional
            The options that were considered; ``choice`` must be one of them.
        rationale : str, optional
            Why, in a sentence or two.
        evidence : mapping, optional
            What supports it: metrics, counts, small tables.

        Returns
        -------
        Decision
            Its ``choice`` is the one to act on: when the iteration sets this key
            (see :meth:`start`), the set value replaces the proposed choice, and the
            rationale says so.
        """
        self._check_key(key)
        stage_ = _stage(stage).slug
        if not isinstance(question, str) or not question.strip():
            raise MlkitValueError(
                with_hint(
                    f"'question' must be a non-empty string; got {question!r}.",
                    "write the question the decision answers, for example 'How do we split?'.",
                )
            )
        if isinstance(options, (str, bytes, Mapping)) or not isinstance(
            options, Iterable
        ):
            raise MlkitTypeError(
                with_hint(
                    f"'options' must be a list of the options considered; got "
                    f"{options!r}.",
                    "pass, for example, options=['random', 'time'].",
                )
            )
        if evidence is not None and not isinstance(evidence, Mapping):
            raise MlkitTypeError(
                with_hint(
                    f"'evidence' must be a mapping of names to values; got "
                    f"{type(evidence).__name__}.",
                    'pass a dict, for example evidence={"pr_auc": 0.61}.',
                )
            )
        options_j = _jsonable(list(options), "options")
        choice_j = _jsonable(choice, "choice")
        if options_j and choice_j not in options_j:
            raise MlkitValueError(
                with_hint(
                    f"'choice' {choice!r} is not one of the options {options_j!r}.",
                    "list every option considered, the chosen one included.",
                )
            )
        evidence_j = _jsonable(dict(evidence or {}), "evidence")
        source: Source = _source
        overrides = self.overrides
        if key in overrides and options_j and overrides[key] not in options_j:
            raise MlkitValueError(
                with_hint(
                    f"This iteration sets {key} to {overrides[key]!r}, which is not one "
                    f"of the options {options_j!r}.",
                    f"start another iteration with one of them, for example "
                    f"`mlkit run CASE --set {key}={options_j[0]}`.",
                )
            )
        if key in overrides and overrides[key] != choice_j:
            rationale = (
                f"Set to {overrides[key]!r} for this iteration; the notebook "
                f"proposed {choice_j!r} because: {rationale}"
            )
            choice_j, source = overrides[key], "override"
        line = {
            "time": _now(),
            "type": "decision",
            "case": self.case,
            "iteration": self.iteration,
            "stage": stage_,
            "key": key,
            "question": question.strip(),
            "choice": choice_j,
            "options": options_j,
            "rationale": str(rationale).strip(),
            "evidence": evidence_j,
            "source": source,
        }
        self._append(line)
        return Decision._from_line(line)

    def recall(
        self,
        key: str,
        *,
        default: Any,
        stage: str,
        question: str = "",
        rationale: str = "",
    ) -> Any:
        """The choice recorded earlier for ``key``, or the case's ``default``.

        A notebook run on its own uses this to read what an earlier stage decided.
        When nothing was recorded, the default is recorded in its place (with
        ``source="default"``) and a :class:`DefaultsUsedWarning` says so.

        Parameters
        ----------
        stage : str
            The stage that normally makes this decision; its notebook is named in
            the warning.
        """
        found = self.get(key)
        if found is not None:
            return found.choice
        where = _stage(stage)
        decision = self.record(
            key,
            stage=where.slug,
            question=question or f"What is {key}?",
            choice=default,
            rationale=(
                f"Not decided earlier in this iteration, so the case's default is used. "
                f"{rationale}"
            ).strip(),
            _source="default",
        )
        warnings.warn(
            f"{key} was not decided earlier in {self.case} iteration {self.iteration}; "
            f"using the case's default {decision.choice!r}. Run {where.notebook} first to "
            "decide it there.",
            DefaultsUsedWarning,
            stacklevel=2,
        )
        return decision.choice

    # -- artifacts

    @property
    def artifacts(self) -> pd.DataFrame:
        """The latest version of each artifact: ``name``, ``stage``, ``kind``, ``file``,
        ``sha256``, ``description`` and ``time``."""
        import pandas as pd

        columns = ["name", "stage", "kind", "file", "sha256", "description", "time"]
        return pd.DataFrame(
            [
                [x.get(c, "") for c in columns]
                for x in self._latest("artifact", "name").values()
            ],
            columns=columns,
            dtype="str",
        )

    def save_artifact(
        self, name: str, obj: Any, *, stage: str, description: str = ""
    ) -> Path:
        """Save ``obj`` in the iteration's ``artifacts/`` folder and log it.

        DataFrames and Series are stored as Parquet, numpy arrays as ``.npy``,
        scikit-learn estimators with skops (a format that loads without running
        code), and JSON-like values as JSON. Returns the file's path.
        """
        if not isinstance(name, str) or not _ARTIFACT_NAME.fullmatch(name):
            raise MlkitValueError(
                with_hint(
                    f"'name' must be a file-name-like string such as 'split' or "
                    f"'model.final'; got {name!r}.",
                    "use letters, digits, '.', '_' and '-'.",
                )
            )
        stage_ = _stage(stage).slug
        kind, suffix, write = _artifact_writer(obj, name)
        self._ensure()
        relative = f"{self.ARTIFACTS}/{name}{suffix}"
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        write(tmp)
        digest = sha256_file(tmp)
        os.replace(tmp, target)
        line = {
            "time": _now(),
            "type": "artifact",
            "case": self.case,
            "iteration": self.iteration,
            "stage": stage_,
            "name": name,
            "kind": kind,
            "file": relative,
            "sha256": digest,
            "description": description,
        }
        if kind == "series":
            line["series_name"] = _jsonable(obj.name, "obj (the Series' name)")
        self._append(line)
        return target

    def load_artifact(
        self,
        name: str,
        *,
        rebuild: Callable[[], Any] | None = None,
        stage: str | None = None,
    ) -> Any:
        """Load the latest artifact called ``name``.

        Parameters
        ----------
        rebuild : callable, optional
            Called with no argument when the artifact is missing; its result is saved
            under ``stage`` and returned, and a :class:`DefaultsUsedWarning` says so.
            Without it, a missing artifact raises :class:`DesignLogError`.
        stage : str, optional
            The stage that normally saves this artifact (needed with ``rebuild``).
        """
        line = self._latest("artifact", "name").get(name)
        if line is None:
            if rebuild is None:
                raise DesignLogError(
                    with_hint(
                        f"'name' {name!r} is no artifact of {self.case} iteration "
                        f"{self.iteration} (looked in {self.path}).",
                        "run the notebook of the stage that saves it first, or pass rebuild= "
                        "to build it from the case's defaults.",
                    )
                )
            if stage is None:
                raise MlkitValueError(
                    with_hint(
                        "'stage' is needed with 'rebuild'.",
                        "name the stage that normally saves this artifact.",
                    )
                )
            obj = rebuild()
            self.save_artifact(
                name, obj, stage=stage, description="rebuilt from the case's defaults"
            )
            warnings.warn(
                f"No {name!r} was saved earlier in {self.case} iteration {self.iteration}; "
                f"it was rebuilt from the case's defaults. Run {_stage(stage).notebook} "
                "first to make it there.",
                DefaultsUsedWarning,
                stacklevel=2,
            )
            return obj
        path = self.folder / line["file"]
        if not path.is_file():
            raise DesignLogError(
                with_hint(
                    f"The artifact {name!r} of {self.case} iteration {self.iteration} is missing: "
                    f"{path} was deleted.",
                    "run the stage that saves it again.",
                )
            )
        if sha256_file(path) != line["sha256"]:
            raise DesignLogError(
                with_hint(
                    f"The artifact {name!r} ({path}) changed after it was saved: its sha256 no "
                    "longer matches the design log.",
                    "run the stage that saves it again, rather than editing artifacts by hand.",
                )
            )
        return _artifact_reader(line, path)

    # -- experiments

    def record_experiment(
        self,
        name: str,
        *,
        stage: str,
        metrics: Mapping[str, float],
        model: Any = None,
        params: Mapping[str, Any] | None = None,
        notes: str = "",
        duration_s: float | None = None,
    ) -> Experiment:
        """Record one experiment: what was tried and what it measured (chapter 6).

        Every run is kept, so that a result can be traced back to the model and
        settings that gave it; running the same ``name`` again adds a run rather
        than replacing the earlier one (see :meth:`experiments`).

        Parameters
        ----------
        name : str
            What was tried, such as ``"logistic"`` or ``"boosting+balanced"``:
            letters, digits, ``_``, ``.``, ``-`` and ``+``.
        stage : str
            The slug of the stage that runs it (see :data:`STAGES`).
        metrics : mapping of str to float
            What it measured on the validation data. numpy numbers are accepted;
            NaN (a metric that could not be computed) is stored as null.
        model : estimator or str, optional
            The scikit-learn estimator or pipeline, described in a line: its class
            (the names of a pipeline's steps) and the parameters of the final
            estimator that differ from their defaults. A string is stored as given,
            for a model that is not an estimator (a rule of thumb).
        params : mapping, optional
            Other settings worth keeping, such as ``{"features": "raw+engineered"}``.
        notes : str, optional
            What to remember about the run.
        duration_s : float, optional
            How long fitting took, in seconds.

        Returns
        -------
        Experiment

        Examples
        --------
        >>> import tempfile
        >>> from sklearn.linear_model import LogisticRegression
        >>> log = DesignLog("demo", run_dir=tempfile.mkdtemp())
        >>> run = log.record_experiment(
        ...     "logistic", stage="model_development",
        ...     model=LogisticRegression(C=0.5), metrics={"pr_auc": 0.61},
        ...     params={"features": "raw"})
        >>> run.model
        'LogisticRegression(C=0.5)'
        >>> log.experiments()[["name", "pr_auc", "params"]]
               name  pr_auc               params
        0  logistic    0.61  {"features": "raw"}
        """
        if not isinstance(name, str) or not _EXPERIMENT_NAME.fullmatch(name):
            raise MlkitValueError(
                with_hint(
                    f"'name' must name the experiment with letters, digits, '_', '.', "
                    f"'-' or '+', such as 'logistic' or 'boosting+balanced'; got {name!r}.",
                    "say what was tried, without spaces or slashes.",
                )
            )
        stage_ = _stage(stage).slug
        metrics_j = _check_metrics(metrics)
        if params is not None and not isinstance(params, Mapping):
            raise MlkitTypeError(
                with_hint(
                    f"'params' must be a mapping; got {type(params).__name__}.",
                    'pass a dict of settings, such as {"class_weight": "balanced"}.',
                )
            )
        params_j = _jsonable(dict(params or {}), "params")
        if not isinstance(notes, str):
            raise MlkitTypeError(
                with_hint(
                    f"'notes' must be a string; got {type(notes).__name__}.",
                    "write what to remember about the run in a sentence.",
                )
            )
        if duration_s is not None:
            if isinstance(duration_s, bool) or not isinstance(duration_s, numbers.Real):
                raise MlkitTypeError(
                    with_hint(
                        f"'duration_s' must be a number of seconds; got "
                        f"{type(duration_s).__name__} {duration_s!r}.",
                        "measure the fit with time.perf_counter() before and after, "
                        "or leave it out.",
                    )
                )
            if not math.isfinite(duration_s) or duration_s < 0:
                raise MlkitValueError(
                    with_hint(
                        f"'duration_s' must be a number of seconds >= 0; got {duration_s!r}.",
                        "measure the fit with time.perf_counter() before and after, "
                        "or leave it out.",
                    )
                )
            duration_s = float(duration_s)
        line = {
            "time": _now(),
            "type": "experiment",
            "case": self.case,
            "iteration": self.iteration,
            "stage": stage_,
            "name": name,
            "model": _describe_model(model),
            "params": params_j,
            "metrics": metrics_j,
            "notes": notes.strip(),
            "duration_s": duration_s,
        }
        self._append(line)
        return Experiment._from_line(line)

    def experiments(
        self, *, stage: str | None = None, history: bool = False
    ) -> pd.DataFrame:
        """The experiments recorded in this iteration, one row each.

        Parameters
        ----------
        stage : str, optional
            Only the experiments of this stage.
        history : bool, default False
            Every run, instead of the latest run of each name.

        Returns
        -------
        pandas.DataFrame
            Sorted by time, with columns ``time``, ``stage``, ``name``, ``model``,
            ``duration_s`` and ``notes``, then one column per metric (NaN where an
            experiment did not measure it), then ``params`` as JSON text.
        """
        import pandas as pd

        stage_ = None if stage is None else _stage(stage).slug
        lines = [
            x
            for x in self._lines()
            if x["type"] == "experiment" and stage_ in (None, x["stage"])
        ]
        if not history:
            latest: dict[str, dict[str, Any]] = {}
            for line in lines:
                latest.pop(line["name"], None)  # keep the order of the latest run
                latest[line["name"]] = line
            lines = list(latest.values())
        runs = [Experiment._from_line(x) for x in lines]
        metric_names = list(dict.fromkeys(m for run in runs for m in run.metrics))
        fixed = ["time", "stage", "name", "model", "duration_s", "notes"]
        frame = pd.DataFrame(
            [
                [getattr(run, c) for c in fixed]
                + [run.metrics.get(m, math.nan) for m in metric_names]
                + [json.dumps(run.params, ensure_ascii=False)]
                for run in runs
            ],
            columns=[*fixed, *metric_names, "params"],
        )
        frame = frame.astype(
            {
                **dict.fromkeys(["time", "stage", "name", "model", "notes"], "str"),
                **dict.fromkeys(["duration_s", *metric_names], "float64"),
                "params": "str",
            }
        )
        # Times have a resolution of a second: a stable sort keeps the order of
        # the file among runs recorded within the same second.
        return frame.sort_values("time", kind="stable", ignore_index=True)

    # -- comparison and display

    @staticmethod
    def compare(a: DesignLog, b: DesignLog) -> DesignComparison:
        """What changed between two iterations: decisions, and their numeric evidence.

        Examples
        --------
        >>> import tempfile
        >>> runs = tempfile.mkdtemp()
        >>> one = DesignLog("demo", run_dir=runs, iteration=1)
        >>> two = DesignLog("demo", run_dir=runs, iteration=2)
        >>> for log, strategy, score in ((one, "random", 0.91), (two, "time", 0.84)):
        ...     _ = log.record("split.strategy", stage="training_data",
        ...                    question="How do we split?", choice=strategy,
        ...                    evidence={"pr_auc": score})
        >>> DesignLog.compare(one, two).changed
        ['split.strategy']
        """
        for arg, value in (("a", a), ("b", b)):
            if not isinstance(value, DesignLog):
                raise MlkitTypeError(
                    with_hint(
                        f"'{arg}' must be a DesignLog; got {type(value).__name__}.",
                        "open each iteration with DesignLog(case, iteration=N).",
                    )
                )
        return DesignComparison._build(a, b)

    def __repr__(self) -> str:
        return (
            f"<DesignLog {self.case!r} iteration {self.iteration}: "
            f"{len(self.decisions)} decision(s), at {self.path}>"
        )

    def chart(self, *, applies: Iterable[str] | None = None) -> alt.LayerChart:
        """The process map, with the number of decisions recorded at each stage.

        Parameters
        ----------
        applies : iterable of str, optional
            The stages that apply to the case (``case.spec.stages``); all by default.
        """
        from mlkit.charts import process_map

        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.stage] = counts.get(d.stage, 0) + 1
        return process_map(
            stages_frame(applies=applies, decisions=counts),
            title=f"Decisions recorded: {self.case}, iteration {self.iteration}",
        )

    def _repr_html_(self) -> str:
        from html import escape

        from mlkit._results import html_table, readable
        from mlkit.charts import to_html

        table = self.to_frame()[["stage", "key", "choice", "rationale", "source"]]
        table["choice"] = [readable(c) for c in table["choice"]]
        body = (
            html_table(table)
            if len(table)
            else "<p><em>No decision recorded yet.</em></p>"
        )
        runs = len(self._latest("experiment", "name"))
        if runs:
            body += (
                f"<p>{runs} experiment(s) recorded; <code>log.experiments()</code> "
                "lists them.</p>"
            )
        return (
            f"<div class='mlkit-result'><h4 style='margin:0.2em 0'>Design log: "
            f"{escape(self.case)}, iteration {self.iteration}</h4>"
            f"<p><code>{escape(str(self.path))}</code></p>{body}"
            f"{to_html(self.chart())}</div>"
        )


# --------------------------------------------------------------------------- artifacts


def _artifact_writer(obj: Any, name: str) -> tuple[str, str, Callable[[Path], None]]:
    module = type(obj).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd

        if isinstance(obj, (pd.DataFrame, pd.Series)):
            from mlkit._optional import require

            require("pyarrow", purpose="save tables in the run folder as Parquet")
            if isinstance(obj, pd.Series):
                frame = obj.to_frame(name="values")
                return "series", ".parquet", lambda p: frame.to_parquet(p)
            return "dataframe", ".parquet", lambda p: obj.to_parquet(p)
    if module == "numpy":
        import numpy as np

        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                raise MlkitValueError(
                    with_hint(
                        f"'obj' cannot be saved as {name!r}: the array holds Python "
                        "objects, which cannot be saved safely.",
                        "convert it to a numeric or string dtype, or to a DataFrame.",
                    )
                )

            def write_npy(p: Path) -> None:
                with p.open("wb") as fh:
                    np.save(fh, obj, allow_pickle=False)

            return "ndarray", ".npy", write_npy
    if hasattr(obj, "get_params") and hasattr(obj, "fit"):
        from mlkit._optional import require

        sio = require(
            "skops.io", purpose="save models safely in the run folder", package="skops"
        )
        return "estimator", ".skops", lambda p: sio.dump(obj, p)
    try:
        payload = json.dumps(
            _jsonable(obj, "obj"), indent=2, ensure_ascii=False, allow_nan=False
        )
    except DesignLogError as error:
        raise MlkitTypeError(
            with_hint(
                f"'obj' cannot be saved as {name!r}: a {type(obj).__name__} is not a "
                "DataFrame, Series, numpy array, scikit-learn estimator or JSON-like "
                f"value ({str(error).split(chr(10))[0]})",
                "convert it to one of those.",
            )
        ) from None
    return "json", ".json", lambda p: p.write_text(payload + "\n", encoding="utf-8")


def _artifact_reader(line: Mapping[str, Any], path: Path) -> Any:
    kind = line.get("kind")
    if kind in ("dataframe", "series"):
        import pandas as pd

        frame = pd.read_parquet(path)
        if kind == "series":
            return frame["values"].rename(line.get("series_name"))
        return frame
    if kind == "ndarray":
        import numpy as np

        return np.load(path, allow_pickle=False)
    if kind == "estimator":
        from mlkit._optional import require

        sio = require(
            "skops.io", purpose="load models saved in the run folder", package="skops"
        )
        from mlkit.deployment import check_trusted

        try:
            untrusted = check_trusted(path)
        except MlkitValueError as error:
            raise DesignLogError(str(error)) from None
        return sio.load(path, trusted=untrusted)
    if kind == "json":
        return json.loads(path.read_text(encoding="utf-8"))
    raise DesignLogError(
        with_hint(
            f"{path}: the design log names an unknown artifact kind {kind!r}.",
            "the log was written by a newer mlkit, or edited by hand; save the artifact again.",
        )
    )


# --------------------------------------------------------------------------- experiments


def _check_metrics(metrics: Any) -> dict[str, float | None]:
    """The metrics as JSON: floats, and None for NaN; raise naming 'metrics' otherwise."""
    if not isinstance(metrics, Mapping):
        raise MlkitTypeError(
            with_hint(
                f"'metrics' must be a mapping of metric names to numbers; got "
                f"{type(metrics).__name__}.",
                'pass a dict such as {"pr_auc": 0.61, "expected_cost": 1.8}.',
            )
        )
    out: dict[str, float | None] = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            raise MlkitTypeError(
                with_hint(
                    f"'metrics' has the key {key!r}; metric names must be non-empty strings.",
                    'name each metric, such as "pr_auc".',
                )
            )
        if key in _EXPERIMENT_COLUMNS:
            raise MlkitValueError(
                with_hint(
                    f"'metrics' has a metric called {key!r}, which is a column of "
                    "experiments() already.",
                    f"rename it, for example {key + '_metric'!r}; keep the fit time in "
                    "duration_s and other settings in params.",
                )
            )
        # bool is an int to Python, and np.bool_ is no number: neither is a metric.
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise MlkitTypeError(
                with_hint(
                    f"'metrics' maps {key!r} to {value!r}, a {type(value).__name__}; "
                    "metrics must be numbers.",
                    "record numbers only; put labels and settings in params, and "
                    "tables with save_artifact().",
                )
            )
        number = float(value)
        if math.isinf(number):
            raise MlkitValueError(
                with_hint(
                    f"'metrics' maps {key!r} to {number}; metrics must be finite.",
                    "check how the metric was computed (a division by zero?), or "
                    "record NaN for a metric that could not be computed.",
                )
            )
        out[key] = None if math.isnan(number) else number
    return out


def _describe_model(model: Any) -> str:
    """A line naming an estimator and its non-default parameters.

    ``LogisticRegression(C=0.5)``; for a pipeline, its steps' names with the final
    estimator's parameters: ``standardscaler → logisticregression(C=0.5)``.
    """
    if model is None:
        return ""
    if isinstance(model, str):
        return model.strip()
    if not hasattr(model, "get_params"):
        raise MlkitTypeError(
            with_hint(
                f"'model' must be a scikit-learn estimator or pipeline; got "
                f"{type(model).__name__}.",
                "pass the estimator that was fitted, or a short description as a string.",
            )
        )
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline):
        return type(model).__name__ + _changed_params(model)
    names = [step_name for step_name, _ in model.steps]
    final_name, final = model.steps[-1]
    if isinstance(final, Pipeline):
        last = _describe_model(final)
    elif final is None or isinstance(final, str):  # None or "passthrough"
        last = final_name
    else:
        cls = type(final).__name__
        # make_pipeline names a step after its class; a hand-named step says its class.
        last = final_name if final_name == cls.lower() else f"{final_name}:{cls}"
        last += _changed_params(final)
    return " → ".join([*names[:-1], last])


def _changed_params(estimator: Any, *, width: int = 40) -> str:
    """``(C=0.5, class_weight='balanced')``: the JSON-able non-default parameters."""
    import inspect

    params = estimator.get_params(deep=False)
    try:
        defaults = type(estimator)().get_params(deep=False)
    except Exception:  # an estimator with required parameters
        signature = inspect.signature(type(estimator).__init__).parameters
        defaults = {
            k: p.default
            for k, p in signature.items()
            if p.default is not inspect.Parameter.empty
        }
    shown = []
    for key, value in params.items():
        if key in defaults and _same_value(value, defaults[key]):
            continue
        try:
            plain = _jsonable(value, key)
        except DesignLogError:
            continue  # an estimator or a function: not worth a line
        text = repr(plain)
        if len(text) > width:
            text = text[: width - 1] + "…"
        shown.append(f"{key}={text}")
    return f"({', '.join(shown)})" if shown else ""


def _same_value(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if (
        isinstance(a, float)
        and isinstance(b, float)
        and math.isnan(a)
        and math.isnan(b)
    ):
        return True
    if isinstance(a, bool) != isinstance(b, bool):
        return False  # True == 1 to Python, but not as a parameter's value
    try:
        return bool(a == b)
    except Exception:  # arrays and other values without a plain equality
        return repr(a) == repr(b)


# --------------------------------------------------------------------------- comparison


def _flatten(evidence: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in evidence.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, name + "."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name] = float(v)
    return out


def _lower_is_better(metric: str) -> bool:
    """Direction of a saved test metric: mlkit.evaluation's for the metrics it
    names; the false positive rate is lower-is-better; rates such as recall are not
    (for "bias" the comparison reads its size)."""
    from mlkit.evaluation import METRICS, higher_is_better

    if metric in METRICS or metric == "expected_cost":
        return not higher_is_better(metric)
    return metric == "fpr"


def _test_metrics(log: DesignLog) -> pd.DataFrame | None:
    artifacts = log.artifacts
    if not len(artifacts) or "test_metrics" not in set(artifacts["name"]):
        return None
    frame = log.load_artifact("test_metrics")
    needed = {"metric", "value", "low", "high"}
    return frame if needed <= set(frame.columns) else None


def _compare_metrics(a: DesignLog, b: DesignLog) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    columns = [
        "metric",
        "value_a",
        "low_a",
        "high_a",
        "value_b",
        "low_b",
        "high_b",
        "difference",
        "margin",
        "verdict",
    ]
    ma, mb = _test_metrics(a), _test_metrics(b)
    if ma is None or mb is None:
        return pd.DataFrame(columns=columns)
    both = ma[["metric", "value", "low", "high"]].merge(
        mb[["metric", "value", "low", "high"]], on="metric", suffixes=("_a", "_b")
    )
    both["difference"] = both["value_b"] - both["value_a"]
    half_a = (both["high_a"] - both["low_a"]) / 2
    half_b = (both["high_b"] - both["low_b"]) / 2
    both["margin"] = np.sqrt(half_a**2 + half_b**2)
    gain = np.where(
        both["metric"] == "bias",
        both["value_a"].abs() - both["value_b"].abs(),
        np.where(
            both["metric"].map(_lower_is_better).astype(bool),
            -both["difference"],
            both["difference"],
        ),
    )
    clear = both["difference"].abs() > both["margin"]
    both["verdict"] = np.where(
        ~clear, "within noise", np.where(gain > 0, "better", "worse")
    )
    return both[columns]


@dataclass(frozen=True, repr=False)
class DesignComparison(Result):
    """Decisions and evidence of two iterations side by side.

    Attributes
    ----------
    a, b : str
        Labels of the two iterations, such as ``"spam iter-1"``.
    decisions : pandas.DataFrame
        One row per decision key: ``stage``, ``key``, ``choice_a``, ``choice_b`` and
        ``status`` (``same``, ``changed``, ``only in a`` or ``only in b``).
    evidence : pandas.DataFrame
        One row per numeric piece of evidence recorded under the same key in both:
        ``key``, ``measure``, ``value_a``, ``value_b``, ``difference`` (b - a).
    metrics : pandas.DataFrame
        The test metrics both iterations saved (the ``test_metrics`` artifact of
        the evaluation notebook), one row per metric: ``metric``, ``value_a``,
        ``low_a``, ``high_a``, ``value_b``, ``low_b``, ``high_b``, ``difference``
        (b - a), ``margin`` and ``verdict``. ``margin`` is the half-width of a
        95 % interval of the difference, from the two intervals as if independent
        (each iteration's test rows are resampled on their own):
        sqrt(half_a² + half_b²). ``verdict`` is "better" or "worse" for b when the
        difference is larger than the margin, "within noise" otherwise.
    """

    title: ClassVar[str] = "What changed between two iterations"
    a: str
    b: str
    decisions: pd.DataFrame
    evidence: pd.DataFrame
    metrics: pd.DataFrame = field(default=None)  # type: ignore[assignment]

    @classmethod
    def _build(cls, a: DesignLog, b: DesignLog) -> DesignComparison:
        import pandas as pd

        da = {d.key: d for d in a.decisions}
        db = {d.key: d for d in b.decisions}
        order = {s: i for i, s in enumerate(STAGE_SLUGS)}
        keys = sorted(
            set(da) | set(db), key=lambda k: (order[(da.get(k) or db[k]).stage], k)
        )
        rows, evidence = [], []
        for key in keys:
            x, y = da.get(key), db.get(key)
            status = (
                "only in b"
                if x is None
                else "only in a"
                if y is None
                else "same"
                if x.choice == y.choice
                else "changed"
            )
            rows.append(
                {
                    "stage": (x or y).stage,
                    "key": key,
                    "choice_a": None if x is None else x.choice,
                    "choice_b": None if y is None else y.choice,
                    "status": status,
                }
            )
            if x is not None and y is not None:
                fx, fy = _flatten(x.evidence), _flatten(y.evidence)
                for measure in (m for m in fx if m in fy):
                    evidence.append(
                        {
                            "key": key,
                            "measure": measure,
                            "value_a": fx[measure],
                            "value_b": fy[measure],
                            "difference": fy[measure] - fx[measure],
                        }
                    )
        decisions = pd.DataFrame(
            rows, columns=["stage", "key", "choice_a", "choice_b", "status"]
        )
        evidence_frame = pd.DataFrame(
            evidence, columns=["key", "measure", "value_a", "value_b", "difference"]
        )
        return cls(
            a=f"{a.case} iter-{a.iteration}",
            b=f"{b.case} iter-{b.iteration}",
            decisions=decisions,
            evidence=evidence_frame,
            metrics=_compare_metrics(a, b),
        )

    @property
    def changed(self) -> list[str]:
        """Keys whose choice differs, or that only one iteration decided."""
        return self.decisions.loc[self.decisions["status"] != "same", "key"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """The :attr:`decisions` table."""
        return self.decisions.copy()

    def _display_frame(self) -> pd.DataFrame:
        # The decisions that differ are what a reader looks for; all, when none do.
        changed = self.decisions[self.decisions["status"] != "same"]
        return (changed if len(changed) else self.decisions).reset_index(drop=True)

    def explain(self) -> str:
        n = len(self.changed)
        text = (
            f"{self.a} against {self.b}: {n} of {len(self.decisions)} decision(s) differ. "
            "Each iteration changes a decision and measures what it did; a difference "
            "in a metric is only progress if it is larger than its noise, so compare "
            "intervals, not single numbers (chapters 2 and 6)."
        )
        metrics = self.metrics if self.metrics is not None else None
        if metrics is not None and len(metrics):
            moved = metrics[metrics["verdict"] != "within noise"]
            text += (
                f" On the test rows, {len(moved)} of {len(metrics)} metric(s) moved by "
                "more than their noise"
                + (
                    ": "
                    + ", ".join(
                        f"{r.metric} {r.value_a:.4g} → {r.value_b:.4g} ({r.verdict})"
                        for r in moved.itertuples()
                    )
                    + "."
                    if len(moved)
                    else "."
                )
                + " A change that makes the test rows easier (a random split of data "
                "that changes over time) can look better without the model being so."
            )
        return text

    def chart(self) -> alt.VConcatChart | alt.LayerChart:
        """The decisions of both iterations coloured by status; with numeric evidence,
        a second panel shows how much each measure moved from a to b; with test
        metrics, one panel per metric shows both iterations with their intervals."""
        import altair as alt
        import pandas as pd

        from mlkit.charts import comparison_chart, interval_chart

        decisions = comparison_chart(self.decisions, self.evidence, a=self.a, b=self.b)
        if self.metrics is None or not len(self.metrics):
            return decisions
        panels = []
        for row in self.metrics.itertuples():
            frame = pd.DataFrame(
                {
                    "iteration": [self.a, self.b],
                    "value": [row.value_a, row.value_b],
                    "low": [row.low_a, row.low_b],
                    "high": [row.high_a, row.high_b],
                }
            )
            panels.append(
                interval_chart(
                    frame,
                    x="value",
                    y="iteration",
                    low="low",
                    high="high",
                    title=f"{row.metric}: {row.verdict}",
                    x_title=row.metric,
                )
            )
        return alt.vconcat(
            decisions,
            alt.vconcat(*panels).properties(title="Test metrics with 95 % intervals"),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the comparison (explanation, tables and charts) as one HTML file
        that draws offline; returns its path."""
        from html import escape

        from mlkit.charts import _loader_html, is_offline

        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        body = self._repr_html_()
        if is_offline():  # the snippet then relies on a library loaded in the page
            body = _loader_html() + body
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(self.a)} against {escape(self.b)}</title>\n"
            "<style>body { font-family: system-ui, sans-serif; margin: 2rem auto; "
            "max-width: 70rem; padding: 0 1rem; }</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n"
        )
        atomic_write(target, page.encode())
        return target
