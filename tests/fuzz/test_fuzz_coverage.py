"""Every public function and class of mlkit has a fuzz test."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import mlkit
from mlkit._results import Result
from tests import fuzz
from tests.fuzz._harness import COVERED, TESTS

#: Public names left out of the generated-input tests, with the reason.
NOT_FUZZED = {
    # The base class of the explorers; each explorer has its own fuzz test.
    "mlkit.widgets.Explorer": "abstract base of the explorers",
}


def public_callables() -> set[str]:
    """Functions, and the classes a user constructs, in every module's ``__all__``.

    Result objects (built by functions), errors, warnings and dataclasses of
    specs are not constructed by users; their display is checked on the results
    of the functions that return them.
    """
    names = set()
    for module_name in mlkit._SUBMODULES:
        if module_name == "cli":  # the command line, tested by tests/test_cli.py
            continue
        module = importlib.import_module(f"mlkit.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            constructed = (
                inspect.isclass(obj)
                and not issubclass(obj, Result | BaseException)
                and not dataclasses.is_dataclass(obj)
            )
            if inspect.isfunction(obj) or constructed:
                names.add(f"mlkit.{module_name}.{name}")
    return names


def test_every_public_function_and_class_is_fuzzed():
    for info in pkgutil.iter_modules(fuzz.__path__):
        if info.name.startswith("test_"):
            importlib.import_module(f"tests.fuzz.{info.name}")
    missing = public_callables() - COVERED - set(NOT_FUZZED)
    assert not missing, f"no fuzz test for: {sorted(missing)}"
    unknown = COVERED - public_callables()
    assert not unknown, f"fuzz tests name what is not public: {sorted(unknown)}"


def test_functions_with_randomness_are_fuzzed_with_a_random_state():
    # call() repeats a call made with random_state and requires the same result.
    for info in pkgutil.iter_modules(fuzz.__path__):
        if info.name.startswith("test_"):
            importlib.import_module(f"tests.fuzz.{info.name}")
    missing = []
    for name in sorted(public_callables() & COVERED):
        module, attr = name.rsplit(".", 1)
        obj = getattr(importlib.import_module(module), attr)
        target = obj.__init__ if inspect.isclass(obj) else obj
        if "random_state" not in inspect.signature(target).parameters:
            continue
        sources = [inspect.getsource(test) for test in TESTS[name]]
        if not any("random_state" in source for source in sources):
            missing.append(name)
    assert not missing, f"fuzzed without a random_state: {missing}"
