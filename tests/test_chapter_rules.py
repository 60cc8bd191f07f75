"""Rules every chapter keeps so that nbval passes on any machine (DESIGN.md section 4).

- No assert depends on a wall-clock time: a time measured in a cell may be printed (the sanitize
  config hides it) but never compared. Checked statically by following, statement by statement,
  which names hold a value computed from a clock.
- `# NBVAL_IGNORE_OUTPUT` marks at most one cell per chapter, and each such cell is listed, with
  its reason, in tests/nbval_sanitize.cfg.
- Every assert names the claim it checks (`assert a > b, "Adam should ..."`), so that a reader who
  changes a setting and breaks a claim reads a sentence, not a bare AssertionError.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
CLOCKS = {"perf_counter", "perf_counter_ns", "process_time", "process_time_ns", "time", "time_ns",
          "monotonic", "monotonic_ns", "thread_time"}


def code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


class ClockTaint:
    """Which names hold a value computed from a clock, statement by statement."""

    def __init__(self) -> None:
        self.names: set[str] = set()      # variables holding a time (or something made from one)
        self.functions: set[str] = set()  # functions that return one
        self.violations: list[str] = []

    def timed(self, node: ast.AST | None) -> bool:
        for sub in ast.walk(node) if node is not None else []:
            if isinstance(sub, ast.Name) and sub.id in self.names | self.functions:
                return True
            if isinstance(sub, ast.Call):
                f = sub.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                if name in CLOCKS and (not isinstance(f, ast.Attribute) or getattr(f.value, "id", "") == "time"):
                    return True
        return False

    def assign(self, targets: list[ast.AST], timed: bool) -> None:
        for target in targets:
            if isinstance(target, ast.Tuple | ast.List):
                self.assign(target.elts, timed)
            elif isinstance(target, ast.Starred):
                self.assign([target.value], timed)
            elif isinstance(target, ast.Subscript | ast.Attribute):
                if timed:  # times[B] = t taints `times`; the index B stays what it was
                    self.assign([target.value], True)
            elif isinstance(target, ast.Name):
                (self.names.add if timed else self.names.discard)(target.id)  # re-binding clears it

    def block(self, body: list[ast.stmt], label: str) -> None:
        for stmt in body:
            self.statement(stmt, label)

    def statement(self, stmt: ast.stmt, label: str) -> None:
        if isinstance(stmt, ast.Assert):
            if self.timed(stmt.test):
                self.violations.append(f"{label}: assert {ast.unparse(stmt.test)}")
        elif isinstance(stmt, ast.Assign):
            self.assign(stmt.targets, self.timed(stmt.value))
        elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
            timed = self.timed(stmt.value) or (isinstance(stmt, ast.AugAssign) and self.timed(stmt.target))
            self.assign([stmt.target], timed)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value  # e.g. times.append(t) or results.update(...) with a timed argument
            if isinstance(call.func, ast.Attribute) and self.timed(ast.Tuple(elts=[*call.args, *(k.value for k in call.keywords)])):
                self.assign([call.func.value], True)
        elif isinstance(stmt, ast.FunctionDef):
            inner = ClockTaint()
            inner.names, inner.functions = set(self.names), set(self.functions)
            for _ in range(2):  # loops inside the function: twice reaches the fixed point here
                inner.block(stmt.body, f"{label}, in {stmt.name}()")
            self.violations += sorted(set(inner.violations) - set(self.violations))
            returns = [n.value for n in ast.walk(stmt) if isinstance(n, ast.Return)]
            (self.functions.add if any(inner.timed(r) for r in returns) else self.functions.discard)(stmt.name)
        elif isinstance(stmt, ast.For | ast.While | ast.If | ast.With | ast.Try):
            if isinstance(stmt, ast.For):
                self.assign([stmt.target], self.timed(stmt.iter))
            for _ in range(2 if isinstance(stmt, ast.For | ast.While) else 1):
                for field in ("body", "orelse", "finalbody"):
                    self.block(getattr(stmt, field, []), label)
                for handler in getattr(stmt, "handlers", []):
                    self.block(handler.body, label)


def timing_asserts(path: Path) -> list[str]:
    taint = ClockTaint()
    for index, source in enumerate(code_cells(path)):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        taint.block(ast.parse("\n".join(lines)).body, f"{path.stem} code cell {index}")
    return sorted(set(taint.violations))


def test_the_clock_taint_finds_a_timing_assert_through_a_helper_and_a_list():
    source = """
import time
def best(step):
    times = []
    for _ in range(3):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    return min(times)
fast = best(lambda: None)
ratio = 2 * fast
count = 7
assert count == 7
assert ratio > 0
start = time.perf_counter()
start = 0
assert start == 0
"""
    taint = ClockTaint()
    taint.block(ast.parse(source).body, "example")
    assert taint.violations == ["example: assert ratio > 0"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_asserts_on_a_wall_clock_time(path):
    found = timing_asserts(path)
    assert not found, ("these asserts compare a wall-clock time, which differs from machine to machine "
                       "and with load; assert on a count instead (passes, operations) and only print the "
                       f"time: {found}")


def test_nbval_ignore_output_is_rare_and_explained():
    sanitize = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    for path in CHAPTERS:
        ignored = [i for i, source in enumerate(code_cells(path)) if "NBVAL_IGNORE_OUTPUT" in source]
        assert len(ignored) <= 1, f"{path.name}: NBVAL_IGNORE_OUTPUT in code cells {ignored}; at most one per chapter"
        for index in ignored:
            entry = f"{path.stem} code cell {index}:"
            assert entry in sanitize, (f"{path.name} code cell {index} ignores its output: list it in "
                                       f"tests/nbval_sanitize.cfg as '# {entry} <why its display is volatile>'")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_assert_names_its_claim(path: Path) -> None:
    bare = [f"code cell {n}, line {node.lineno}: {ast.get_source_segment(source, node)[:70]}"
            for n, source in enumerate(code_cells(path))
            for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert) and node.msg is None]
    assert bare == [], f"{path.name}: asserts without a message (add one naming the claim): {bare[:5]}"
