"""A case folder from a data file: the spec, the framing to fill in, the data and its checksum.

:func:`new_case` reads a CSV or Parquet file, infers the task from the target and the
kind of every column, and writes a case folder that :func:`mlkit.cases.load` accepts:
``case.toml`` with a comment on each inferred choice, a ``README.md`` framing template
with the facts of the data filled in, and ``data/`` with a copy of the file, its
sha256 and a ``SOURCE.md`` to complete. The input file is only read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

if TYPE_CHECKING:
    import pandas as pd

    from mlkit.cases import Case

__all__ = ["new_case"]

_SUFFIXES = (".csv.gz", ".csv", ".parquet", ".pq")
# Strings that pandas reads as missing by default, plus the "?" of UCI files; those
# found in a CSV go to [data] na_values, since the case reader knows only "".
_NA_TOKENS = (
    "?",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)
_BOOLEAN_WORDS = frozenset({"true", "false", "t", "f", "yes", "no", "y", "n"})
_ID_NAME = re.compile(r"(^|[^a-z])(id|ids|uuid|guid|key|index|row)([^a-z]|$)", re.I)
# More values than this in a sensitive attribute make groups too small to judge.
_MAX_GROUPS = 10
#: Most classes a target of whole numbers or strings may have to be read as multiclass.
MAX_CLASSES = 30
#: Most distinct values of a column of fractions still read as classes.
MAX_FLOAT_CLASSES = 10
# A string column is free text when its values are this long on average, or have
# this many words, and most of them are distinct.
_TEXT_MIN_LENGTH = 30
_TEXT_MIN_WORDS = 5
_TEXT_MIN_UNIQUE = 0.5


@dataclass
class _Column:
    name: str
    kind: str
    why: str
    exclude: str = ""  # why a model must not use it; empty when it may
    missing: int = 0


@dataclass
class _Inferred:
    task: str
    task_why: str
    target_kind: str
    positive_label: Any = None
    columns: dict[str, _Column] = field(default_factory=dict)
    text_column: str | None = None
    text_why: str = ""


# --------------------------------------------------------------------------- checks


def _data_suffix(path: Path) -> str:
    lower = path.name.lower()
    return next((s for s in _SUFFIXES if lower.endswith(s)), "")


def _check_data_path(data: Any) -> Path:
    if not isinstance(data, (str, os.PathLike)):
        raise MlkitTypeError(
            with_hint(
                f"'data' must be the path of a data file; got {type(data).__name__}.",
                "pass the path of a .csv, .csv.gz or .parquet file; to start from a "
                "DataFrame, write it with df.to_parquet(path) first.",
            )
        )
    path = Path(data).expanduser()
    if not path.is_file():
        raise MlkitValueError(
            with_hint(
                f"'data' is {os.fspath(data)!r}, which is not a file"
                + (" (it is a folder)." if path.is_dir() else " (it does not exist)."),
                "pass the path of the data file, relative to the current folder "
                f"({Path.cwd()}) or absolute.",
            )
        )
    if not _data_suffix(path):
        raise MlkitValueError(
            with_hint(
                f"'data' is {path.name!r}, which is not a CSV or Parquet file.",
                f"save the data as one of {', '.join(_SUFFIXES)}; the file's name must "
                "end with it.",
            )
        )
    return path


def _check_folder(folder: Any, overwrite: bool) -> Path:
    if not isinstance(folder, (str, os.PathLike)):
        raise MlkitTypeError(
            with_hint(
                f"'folder' must be the path of the case folder to create; got "
                f"{type(folder).__name__}.",
                "pass a path such as '~/cases/my_case'.",
            )
        )
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise MlkitValueError(
            with_hint(
                f"'folder' is {os.fspath(folder)!r}, which is a file, not a folder.",
                "pass the path of a new folder for the case.",
            )
        )
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise MlkitValueError(
            with_hint(
                f"'folder' {os.fspath(folder)!r} exists and is not empty.",
                "choose a new folder, or pass overwrite=True (--force on the command "
                "line) to replace the case.toml, README.md and data/ that new_case "
                "writes there.",
            )
        )
    return path


def _check_column(name: str, value: Any, columns: list[str]) -> str:
    import difflib

    if not isinstance(value, str) or value not in columns:
        close = difflib.get_close_matches(str(value), columns, n=1)
        shown = ", ".join(columns[:30]) + (" ..." if len(columns) > 30 else ".")
        raise MlkitValueError(
            with_hint(
                f"'{name}' is {value!r}, which is not a column of the data.",
                (f"did you mean {close[0]!r}? " if close else "")
                + f"The columns are: {shown}",
            )
        )
    return value


# --------------------------------------------------------------------------- reading


def _read(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The data as the case reader will see them, and the missing-value tokens found.

    A CSV is read as text, like :meth:`mlkit.cases.Case.load_data` does, so that a kind
    inferred here is one its values convert to.
    """
    import pandas as pd

    if _data_suffix(path) in (".parquet", ".pq"):
        from mlkit._optional import require

        require("pyarrow", purpose=f"read the Parquet file {path}")
        return pd.read_parquet(path), []
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    found = [t for t in _NA_TOKENS if raw.isin([t]).to_numpy().any()]
    if found:
        raw = raw.mask(raw.isin(found))
    return raw, found


# --------------------------------------------------------------------------- kinds


def _numbers(values: pd.Series) -> pd.Series | None:
    """The values as float64 if every one is a finite number, else None."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        out = values.astype("float64")
    else:
        out = pd.to_numeric(values, errors="coerce")
        if out.isna().any():
            return None
        out = out.astype("float64")
    return out if np.isfinite(out.to_numpy()).all() else None


def _is_whole(numbers: pd.Series) -> bool:
    import numpy as np

    values = numbers.to_numpy()
    return bool((values == np.round(values)).all() and (np.abs(values) < 2**53).all())


def _iso_dates(values: pd.Series) -> bool:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if not (
        pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
    ):
        return False
    text = values.astype(str)
    # An ISO 8601 date starts with a four-digit year and a month: 2024-01 ...
    if not text.str.match(r"^\d{4}-\d{2}").all():
        return False
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return bool(parsed.notna().all())


def _other_dates(values: pd.Series) -> bool:
    """Whether text values look like dates in a form other than ISO 8601."""
    import warnings

    import pandas as pd

    text = values.astype(str).head(200)
    if not text.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(text, format="mixed", errors="coerce")
    return bool(parsed.notna().all())


def _infer_kind(
    name: str, column: pd.Series, n_rows: int
) -> tuple[str, str, str]:  # kind, why, why excluded
    import pandas as pd

    values = column.dropna()
    n = len(values)
    missing = n_rows - n
    if n == 0:
        return "category", "every value is missing", "every value is missing"
    distinct = values.nunique()
    unique_per_row = distinct == n_rows
    if pd.api.types.is_bool_dtype(values):
        return "boolean", "true/false values", ""
    if pd.api.types.is_datetime64_any_dtype(values):
        return "datetime", "a date-time column", ""
    numbers = _numbers(values)
    if numbers is not None:
        if (
            _is_whole(numbers)
            and unique_per_row
            and (
                _ID_NAME.search(name)
                or numbers.max() - numbers.min() + 1 == n_rows
                or numbers.is_monotonic_increasing
            )
        ):
            return (
                "id",
                "whole numbers, one per row",
                "an identifier: a different value on every row, so it tells a model "
                "nothing about a new row",
            )
        if _is_whole(numbers):
            return "integer", f"whole numbers, {distinct:,} distinct", ""
        return "numeric", f"numbers, {distinct:,} distinct", ""
    text = values.astype(str)
    lower = set(text.str.strip().str.lower().unique())
    if lower <= _BOOLEAN_WORDS and len(lower) <= 2:
        return "boolean", f"the values {', '.join(sorted(set(text)))}", ""
    if _iso_dates(values):
        return "datetime", "dates in ISO 8601 form", ""
    length = text.str.len().mean()
    words = text.str.split().str.len().mean()
    if (length >= _TEXT_MIN_LENGTH or words >= _TEXT_MIN_WORDS) and (
        distinct >= _TEXT_MIN_UNIQUE * n
    ):
        return (
            "text",
            f"free text: {length:.0f} characters and {words:.1f} words on average, "
            f"{distinct / n:.0%} distinct",
            "",
        )
    if unique_per_row and missing == 0:
        return (
            "id",
            "a different short string on every row",
            "an identifier: a different value on every row, so it tells a model "
            "nothing about a new row",
        )
    why = f"{distinct:,} distinct values"
    if _other_dates(values):
        why += (
            "; they look like dates, but not in ISO 8601 form (2024-01-31): convert "
            "them to use the column as a datetime"
        )
    elif distinct > 50:
        why += ": many levels; rare ones are grouped when encoded"
    return "category", why, ""


# --------------------------------------------------------------------------- target


def _infer_task(target: str, y: pd.Series, n_rows: int, kind: str) -> _Inferred:
    import pandas as pd

    values = y.dropna()
    if values.empty:
        raise MlkitValueError(
            with_hint(
                f"'target' {target!r} is missing on every row.",
                "choose the column that holds the outcome to predict.",
            )
        )
    numbers = _numbers(values)
    whole = numbers is not None and _is_whole(numbers)
    # Spellings of one whole number ("1" and "1.0", "0" and "-0.0" in a CSV) are one
    # class once the case reader converts them to integers.
    counts = (numbers if whole else values).value_counts(sort=False)
    if len(counts) == 1:
        raise MlkitValueError(
            with_hint(
                f"'target' {target!r} has one value only ({values.iloc[0]!r}): there "
                "is nothing to predict.",
                "choose the column that holds the outcome; a binary target needs rows "
                "of both classes.",
            )
        )
    n_classes = len(counts)
    if n_classes == 2:
        if kind == "boolean" or pd.api.types.is_bool_dtype(values):
            target_kind = "boolean"
        elif whole:
            target_kind = "integer"
        else:
            target_kind = "category"
        # The rarer class is usually the one to detect; on a tie, the larger value.
        order = sorted(counts.items(), key=lambda kv: (kv[1], _sort_key(kv[0])))
        label, count = order[0]
        if len(order) == 2 and order[0][1] == order[1][1]:
            label, count = max(counts.items(), key=lambda kv: _sort_key(kv[0]))
        positive = _label_value(label, target_kind)
        why = (
            f"two distinct values; positive_label is the rarer one, {positive!r} "
            f"({count:,} of {len(values):,} rows, {count / len(values):.1%})"
        )
        return _Inferred("binary", why, target_kind, positive)
    if numbers is None:
        if n_classes > MAX_CLASSES and n_classes > 0.5 * len(values):
            raise MlkitValueError(
                with_hint(
                    f"'target' {target!r} holds text with {n_classes:,} distinct values "
                    f"in {len(values):,} rows: neither classes nor numbers.",
                    "choose the column that holds the outcome: a class or a number.",
                )
            )
        why = f"{n_classes} distinct non-numeric values: one class each"
        if n_classes > MAX_CLASSES:
            why += "; many classes, consider grouping rare ones"
        return _Inferred("multiclass", why, "category")
    if whole and n_classes <= MAX_CLASSES:
        return _Inferred(
            "multiclass",
            f"{n_classes} distinct whole numbers (at most {MAX_CLASSES} read as classes); "
            'set task = "regression" and the target\'s kind to "integer" if they are '
            "amounts or counts",
            "integer",
        )
    if not whole and n_classes <= MAX_FLOAT_CLASSES:
        return _Inferred(
            "multiclass",
            f"numbers with only {n_classes} distinct values: read as classes; set "
            'task = "regression" and the target\'s kind to "numeric" if they are amounts',
            "category",
        )
    return _Inferred(
        "regression",
        f"numbers with {n_classes:,} distinct values",
        "integer" if whole else "numeric",
    )


def _sort_key(value: Any) -> tuple:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def _label_value(label: Any, kind: str) -> Any:
    """The positive label as TOML writes it and the case reader compares it."""
    if kind == "integer":
        return int(float(label))
    if kind == "boolean":
        if isinstance(label, str):
            return label.strip().lower() in {"true", "t", "yes", "y", "1"}
        return bool(label)
    return str(label)


# --------------------------------------------------------------------------- writing


def _toml(value: Any) -> str:
    """A TOML value (or quoted key) for a string, number, boolean or list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    # JSON's string escapes are valid TOML basic-string escapes.
    return json.dumps(str(value), ensure_ascii=False)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml(name)


def _comment(text: str) -> str:
    return " ".join(text.split())


def _copy_data(
    source: Path, destination: Path, frame: pd.DataFrame, keep: pd.Series | None
) -> None:
    """Copy the file; without the rows in ``~keep`` when some must go."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if keep is None:
        if source.resolve() != destination.resolve():
            shutil.copyfile(source, destination)
        return
    kept = frame[keep.to_numpy()]
    tmp = destination.with_name(destination.name + ".tmp")
    suffix = _data_suffix(destination)
    if suffix in (".parquet", ".pq"):
        kept.to_parquet(tmp, index=False)
    else:
        # mtime 0: the same data give the same bytes, and so the same sha256.
        compression = {"method": "gzip", "mtime": 0} if suffix == ".csv.gz" else None
        kept.to_csv(tmp, index=False, compression=compression, lineterminator="\n")
    os.replace(tmp, destination)


def new_case(
    folder: str | os.PathLike[str],
    data: str | os.PathLike[str],
    target: str,
    *,
    time_column: str | None = None,
    group_column: str | None = None,
    sensitive: tuple[str, ...] | list[str] = (),
    text_column: str | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> Case:
    """Make a case folder from a data file, inferring the task and each column's kind.

    Writes ``folder/case.toml`` (each inferred choice with a comment that says why;
    equal placeholder costs to replace), ``folder/README.md`` (the framing to fill in,
    with the facts of the data), ``folder/data/<file>`` (a copy of the data, whose
    sha256 goes in ``[data] sha256``) and ``folder/data/SOURCE.md`` (origin and
    licence to fill in, with the original path and sha256). The input file is only
    read. The output is the same for the same input.

    Inference, column by column (a CSV is read as text, as the case reader reads it):
    true/false or yes/no values are ``boolean``; numbers are ``integer`` when whole,
    ``numeric`` otherwise; ISO 8601 dates are ``datetime``; long, mostly distinct
    strings are ``text``; other strings are ``category``. A column with a different
    value on every row (strings, or whole numbers named like an identifier or
    counting rows) is an ``id`` and goes in ``[columns] exclude``, as does a column
    with no value. The task follows the target: two values make it ``binary``, with
    the rarer one as ``positive_label``; 3 to 30 classes of text or whole numbers
    (or up to 10 distinct fractions) ``multiclass``; other numbers ``regression``.
    The case reader refuses rows without a target, so the copy leaves them out and
    the README says how many.

    Parameters
    ----------
    folder : str or path-like
        The case folder to create; its name becomes the case's name.
    data : str or path-like
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file.
    target : str
        The column to predict.
    time_column : str, optional
        When each row happened; its values must be ISO 8601 dates (kind ``datetime``).
    group_column : str, optional
        The entity rows belong to (a customer, a store), for splits by group.
    sensitive : sequence of str, default ()
        Attributes of protected groups, for the fairness stage.
    text_column : str, optional
        The free-text column (kind ``text``). By default the longest text column
        found, if any.
    title : str, optional
        One line for ``case.toml``; by default from the target and the file's name.
    overwrite : bool, default False
        Write into a folder that is not empty, replacing the files new_case writes
        (a ``hooks.py`` there stays).

    Returns
    -------
    Case
        The new case, loaded with :func:`mlkit.cases.load`; its data file verified
        and its data checked against the schema.

    Raises
    ------
    MlkitValueError
        When the file is missing or not CSV/Parquet; when a column argument is not a
        column of the data (with the closest name); when the folder is not empty and
        ``overwrite`` is False; when the target has one value or none.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sklearn.datasets import load_wine
    >>> tmp = Path(tempfile.mkdtemp())
    >>> load_wine(as_frame=True).frame.to_csv(tmp / "wine.csv", index=False)
    >>> case = new_case(tmp / "wine", tmp / "wine.csv", target="target")
    >>> case.spec.task, case.spec.data.rows, case.spec.data.schema["target"]
    ('multiclass', 178, 'integer')
    >>> case.load_data()["target"].value_counts().sort_index().tolist()
    [59, 71, 48]
    >>> shutil.rmtree(tmp)
    """

    from mlkit import cases
    from mlkit._io import sha256_file

    path = _check_data_path(data)
    out = _check_folder(folder, overwrite)
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise MlkitValueError(
            with_hint(
                f"'title' must be a non-empty string; got {title!r}.",
                "give the case a one-line title, or leave it out.",
            )
        )
    if isinstance(sensitive, str):
        sensitive = (sensitive,)
    frame, na_tokens = _read(path)
    columns = [str(c) for c in frame.columns]
    _check_column("target", target, columns)
    for name, value in (
        ("time_column", time_column),
        ("group_column", group_column),
        ("text_column", text_column),
    ):
        if value is not None:
            _check_column(name, value, columns)
            if value == target:
                raise MlkitValueError(
                    with_hint(
                        f"'{name}' is the target {target!r}.",
                        f"name another column as {name}, or leave it out.",
                    )
                )
    sensitive = tuple(sensitive)
    for value in sensitive:
        _check_column("sensitive", value, columns)
        if value == target:
            raise MlkitValueError(
                with_hint(
                    f"'sensitive' lists the target {target!r}.",
                    "list attributes of protected groups, which are model inputs.",
                )
            )

    n_source = len(frame)
    target_missing = int(frame[target].isna().sum())
    target_kind_guess = _infer_kind(target, frame[target], n_source)[0]
    inferred = _infer_task(target, frame[target], n_source, target_kind_guess)
    keep = frame[target].notna() if target_missing else None
    rows = frame if keep is None else frame[keep.to_numpy()].reset_index(drop=True)
    n_rows = len(rows)

    specials = {time_column, group_column, text_column, *sensitive} - {None}
    for name in columns:
        series = rows[name]
        kind, why, exclude = _infer_kind(name, series, n_rows)
        if name == target:
            kind, why, exclude = inferred.target_kind, "the target", ""
        elif name == text_column:
            kind, why = "text", "named as the text column"
        elif name == time_column:
            if kind != "datetime":
                raise MlkitValueError(
                    with_hint(
                        f"'time_column' {name!r} does not hold dates in ISO 8601 form "
                        f"(inferred kind {kind!r}; first value {series.dropna().iloc[0]!r}).",
                        "write the times as 2024-01-31 or 2024-01-31T13:45:00 in the "
                        "file, or leave time_column out.",
                    )
                )
            why = "named as the time column"
        elif name in specials and kind == "id":
            # A group or a sensitive attribute is kept whatever its spread.
            kind, exclude = "category", ""
            why += "; kept as a category since it is named as a special column"
        if name in sensitive and series.nunique() > _MAX_GROUPS:
            why += (
                f"; sensitive, with {series.nunique():,} values: each is a group of "
                "its own in the fairness stage, so bin them into a few groups (ages "
                "18-25, 26-40, ...) in the data"
            )
        inferred.columns[name] = _Column(
            name, kind, why, exclude, int(series.isna().sum())
        )
    if text_column is not None:
        inferred.text_column, inferred.text_why = (
            text_column,
            "named as the text column",
        )
    else:
        texts = [c for c in inferred.columns.values() if c.kind == "text"]
        if texts:
            lengths = {
                c.name: rows[c.name].dropna().astype(str).str.len().mean()
                for c in texts
            }
            best = max(lengths, key=lambda c: (lengths[c], c))
            inferred.text_column = best
            inferred.text_why = (
                f"inferred: the longest free text ({lengths[best]:.0f} characters on "
                "average); the features stage embeds it"
            )

    out.mkdir(parents=True, exist_ok=True)
    data_name = path.name
    data_file = out / "data" / data_name
    _copy_data(path, data_file, frame, keep)
    digest = sha256_file(data_file)
    source_digest = sha256_file(path) if keep is not None else digest
    facts = {
        "source": path.resolve(),
        "source_sha256": source_digest,
        "source_rows": n_source,
        "rows": n_rows,
        "target_missing": target_missing,
        "na_tokens": na_tokens,
        "data_file": f"data/{data_name}",
        "sha256": digest,
    }
    case_title = title.strip() if title else f"Predicting {target} from {path.name}"
    spec_text = _case_toml(
        inferred,
        target=target,
        title=case_title,
        time_column=time_column,
        group_column=group_column,
        sensitive=sensitive,
        facts=facts,
    )
    (out / "case.toml").write_text(spec_text, encoding="utf-8")
    (out / "README.md").write_text(
        _readme(inferred, out.name, case_title, target, rows, facts), encoding="utf-8"
    )
    (out / "data" / "SOURCE.md").write_text(_source(facts, path.name), encoding="utf-8")
    case = cases.load(out)
    case.verify()
    case.load_data()  # every column converts to its inferred kind
    return case


def _case_toml(
    inferred: _Inferred,
    *,
    target: str,
    title: str,
    time_column: str | None,
    group_column: str | None,
    sensitive: tuple[str, ...],
    facts: dict[str, Any],
) -> str:
    task = inferred.task
    lines = [
        "# A case made by `mlkit new-case` from "
        f"{Path(str(facts['source'])).name}; case_studies/README.md documents every key.",
        "# Each inferred choice says why; check them, then frame the problem in README.md.",
        f"title = {_toml(title)}",
        f"task = {_toml(task)}    # {_comment(inferred.task_why)}",
        'story = """',
        f"Data from {Path(str(facts['source'])).name}, {facts['rows']:,} rows: predict "
        f"{target}.",
        "Replace this paragraph with the situation: who decides what with the",
        "prediction, and why machine learning.",
        '"""',
        "",
        "[columns]",
        f"target = {_toml(target)}",
    ]
    if task == "binary":
        lines.append(
            f"positive_label = {_toml(inferred.positive_label)}    # the rarer class; "
            "set the class to detect if it is the other one"
        )
    if time_column:
        lines.append(
            f"time = {_toml(time_column)}    # when each row happened: splits follow time"
        )
    else:
        dates = [c.name for c in inferred.columns.values() if c.kind == "datetime"]
        lines.append(
            f"# time = {_toml(dates[0])}    # a datetime column: set it if it says when "
            "each row happened, to split by time and watch drift"
            if dates
            else "# time = ...    # no time column named: set one (ISO 8601 dates) to "
            "split by time and watch drift"
        )
    if group_column:
        lines.append(
            f"group = {_toml(group_column)}    # rows of one group stay in one split"
        )
    if inferred.text_column:
        lines.append(
            f"text = {_toml(inferred.text_column)}    # {_comment(inferred.text_why)}"
        )
    lines.append(
        f"sensitive = {_toml(list(sensitive))}"
        + (
            "    # attributes of protected groups, for the fairness stage"
            if sensitive
            else "    # none named: list attributes of protected groups, if any"
        )
    )
    excluded = [c for c in inferred.columns.values() if c.exclude]
    if excluded:
        lines.append("exclude = [")
        for c in excluded:
            lines.append(f"    {_toml(c.name)},    # {_comment(c.exclude)}")
        lines.append("]")
    else:
        lines.append(
            "exclude = []    # no identifier found: a model may use every column"
        )
    lines += [
        "",
        "[costs]",
        'unit = "cost units"    # replace with yours: USD, minutes, ...',
    ]
    placeholder = {
        "binary": [
            "false_positive = 1.0    # predicted positive, but negative",
            "false_negative = 1.0    # predicted negative, but positive",
        ],
        "multiclass": ["misclassification = 1.0    # any wrong class"],
        "regression": [
            "over_prediction = 1.0    # per unit of the target predicted too high",
            "under_prediction = 1.0    # per unit of the target predicted too low",
        ],
    }[task]
    lines += placeholder
    lines += [
        'rationale = """',
        "placeholder: equal costs; replace with what each error costs you. The",
        "notebooks derive the decision threshold and the metric from these numbers.",
        '"""',
        "",
        "# [deployment]                # how predictions are served; see case_studies/README.md",
        '# prediction = "online"       # or "batch"',
        "# latency_budget_ms = 200",
    ]
    if sensitive:
        lines += [
            "",
            "# [expectations]              # behaviour the model must show",
            f"# invariant = {_toml(list(sensitive))}",
        ]
    lines += [
        "",
        "[data]",
        f"file = {_toml(facts['data_file'])}",
        f"sha256 = {_toml(facts['sha256'])}    # a changed file is refused",
        f"rows = {facts['rows']}",
    ]
    if facts["na_tokens"]:
        lines.append(
            f"na_values = {_toml(facts['na_tokens'])}    # found in the file: they mean "
            "'missing'"
        )
    lines += ["", "[data.schema]"]
    for c in inferred.columns.values():
        why = c.why
        if c.missing:
            why += f"; {c.missing:,} missing"
        lines.append(f"{_key(c.name)} = {_toml(c.kind)}    # {_comment(why)}")
    return "\n".join(lines) + "\n"


def _distribution(inferred: _Inferred, y: pd.Series) -> list[str]:
    import pandas as pd

    if inferred.task == "regression":
        numbers = pd.to_numeric(y).astype("float64")
        q = numbers.quantile([0.0, 0.25, 0.5, 0.75, 1.0]).tolist()
        return [
            "| statistic | value |",
            "|---|---|",
            *(
                f"| {name} | {value:,.4g} |"
                for name, value in zip(
                    ("min", "25 %", "median", "75 %", "max"), q, strict=True
                )
            ),
            f"| mean | {numbers.mean():,.4g} |",
        ]
    counts = y.astype(str).value_counts()
    counts = counts.sort_index(kind="stable").sort_values(
        ascending=False, kind="stable"
    )
    total = int(counts.sum())
    return [
        "| class | rows | share |",
        "|---|---|---|",
        *(f"| `{label}` | {n:,} | {n / total:.1%} |" for label, n in counts.items()),
    ]


def _readme(
    inferred: _Inferred,
    name: str,
    title: str,
    target: str,
    rows: pd.DataFrame,
    facts: dict[str, Any],
) -> str:
    task = inferred.task
    objective = {
        "binary": f"Binary classification of `{target}` (positive class "
        f"`{inferred.positive_label!r}`, the rarer one): the model estimates the "
        "probability of the positive class; a threshold set by the costs of the two "
        "errors turns it into a decision.",
        "multiclass": f"Multiclass classification of `{target}` into "
        f"{rows[target].nunique()} classes.",
        "regression": f"Regression: predict the value of `{target}`.",
    }[task]
    kinds: dict[str, list[str]] = {}
    for c in inferred.columns.values():
        kinds.setdefault(c.kind, []).append(f"`{c.name}`")
    missing = [
        f"`{c.name}` ({c.missing:,})"
        for c in inferred.columns.values()
        if c.missing and c.name != target
    ]
    dropped = facts["target_missing"]
    excluded = [
        f"`{c.name}` ({c.exclude})" for c in inferred.columns.values() if c.exclude
    ]
    fill = "*To fill in:*"
    lines = [
        f"# {name}: {title}",
        "",
        "*Framing in the terms of chapter 2 of Designing Machine Learning Systems. The "
        'sections marked "to fill in" are yours to write; the facts about the data '
        "were measured by `mlkit new-case`. `case.toml` holds the numbers the notebooks "
        "use.*",
        "",
        "## The situation",
        "",
        f"{fill} who uses the prediction, for what decision, and what happens today "
        "without it.",
        "",
        "## Users and stakeholders",
        "",
        f"{fill} who acts on the predictions, who is affected by them, who bears the "
        "errors.",
        "",
        "## Business objective",
        "",
        f"{fill} the outcome the business wants, in its own terms (money, time, risk).",
        "",
        "## ML objective",
        "",
        objective,
        "",
        f"{fill} how this objective serves the business one, and where they differ.",
        "",
        "## What errors cost",
        "",
        "`case.toml` holds placeholder costs: every error costs 1. "
        f"{fill} what each kind of error costs, and put the numbers in `[costs]`.",
        "",
        "## Requirements and constraints",
        "",
        f"{fill} reliability, scalability, maintainability, adaptability, and the "
        "time a prediction may take.",
        "",
        "## Labels",
        "",
        f"{fill} where the labels come from, and how long after the event they are "
        "known.",
        "",
        "## The data",
        "",
        f"- File: `{facts['data_file']}` ({facts['rows']:,} rows, "
        f"{len(inferred.columns)} columns); origin and licence in `data/SOURCE.md`.",
        f"- Task: {task} (`case.toml` says why).",
    ]
    if dropped:
        lines.append(
            f"- The target `{target}` is missing in {dropped:,} of {facts['source_rows']:,} "
            "rows of the original file. A case's data must be labelled, so the copy in "
            "`data/` leaves those rows out; unlabelled rows belong to the labeling stage."
        )
    else:
        lines.append(f"- The target `{target}` is known on every row.")
    lines += [
        "- Column kinds: "
        + "; ".join(f"{kind} {', '.join(names)}" for kind, names in kinds.items())
        + ".",
        "- Missing values: " + (", ".join(missing) if missing else "none") + ".",
        "- Excluded from the features: " + (", ".join(excluded) or "none") + ".",
    ]
    if facts["na_tokens"]:
        lines.append(
            "- Strings read as missing: "
            + ", ".join(f"`{t}`" for t in facts["na_tokens"])
            + "."
        )
    lines += [
        "",
        f"Distribution of the target `{target}`:",
        "",
        *_distribution(inferred, rows[target].dropna()),
        "",
        "## Data quirks worth knowing",
        "",
        f"{fill} columns known only after the prediction is made (leaks), duplicates, "
        "changes in how the data were collected.",
        "",
    ]
    return "\n".join(lines)


def _source(facts: dict[str, Any], name: str) -> str:
    lines = [
        f"# {name}",
        "",
        "*To fill in:* what the data are, who collected them and when, and the "
        "licence under which you may use them.",
        "",
        "## Origin",
        "",
        "*To fill in:* where the file comes from (a URL, a database query, a colleague).",
        "",
        "## Licence",
        "",
        "*To fill in:* the licence or terms of use.",
        "",
        "## This copy",
        "",
        f"- Copied from `{facts['source']}` by `mlkit new-case`.",
        f"- sha256 of the original: `{facts['source_sha256']}` "
        f"({facts['source_rows']:,} rows).",
    ]
    if facts["target_missing"]:
        lines.append(
            f"- {facts['target_missing']:,} rows without a target were left out of the "
            f"copy; the other {facts['rows']:,} are unchanged."
        )
    lines += [f"- sha256 of `{facts['data_file']}`: `{facts['sha256']}`.", ""]
    return "\n".join(lines)
