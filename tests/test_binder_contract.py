"""The Binder contract: `requirements.txt` alone makes an environment every chapter runs in.

`make test` also executes every chapter (nbval) with a kernel from an environment built from
requirements.txt only (.venv-binder), from chapters/ as working directory. These static checks
explain failures early and also run where that environment does not exist.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_requirements_are_exact_pins_and_install_nbcode_from_the_repository():
    lines = requirement_lines()
    assert "-e ." in lines, "requirements.txt must install nbcode itself (-e .) so notebooks can import it"
    pins = [Requirement(line) for line in lines if line != "-e ."]
    loose = [str(r) for r in pins if len(r.specifier) != 1 or next(iter(r.specifier)).operator != "=="]
    assert loose == [], f"pin these exactly with ==: {loose}"
    names = {canonicalize_name(r.name) for r in pins}
    # jupyterlab-myst: a chapter opened in JupyterLab (on Binder too) renders its MyST, and
    # tests/test_jupyterlab.py checks it there.
    for needed in ["jupyter-book", "numpy", "matplotlib", "ipywidgets", "nbval", "pytest", "ipykernel",
                   "jupyterlab", "jupyterlab-myst"]:
        assert needed in names, f"{needed} missing from requirements.txt"
    jupyter_book = next(r for r in pins if canonicalize_name(r.name) == "jupyter-book")
    assert next(iter(jupyter_book.specifier)).version.startswith("1."), "the _config.yml/_toc.yml format is Jupyter Book 1.x"
    assert not any(canonicalize_name(r.name) == "torch" for r in pins), "torch stays out of the reader's environment"


def test_runtime_names_a_python_version():
    assert re.fullmatch(r"python-3\.\d+", (ROOT / "runtime.txt").read_text().strip())


def installed_closure() -> set[str]:
    """Distributions that `pip install -r requirements.txt` brings in (recursively, markers applied)."""
    env = default_environment()
    todo = [Requirement(line) for line in requirement_lines() if line != "-e ."] + [Requirement("nbcode")]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue
        for spec in requires:
            sub = Requirement(spec)
            if sub.marker is None or sub.marker.evaluate({**env, "extra": ""}):
                todo.append(sub)
    return seen


def guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True if an import sits in a `try:` whose handler catches ImportError (an optional dependency)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                names = ast.unparse(handler.type) if handler.type else ""
                if "ImportError" in names or "ModuleNotFoundError" in names:
                    return True
    return False


def notebook_imports(path: Path) -> set[str]:
    notebook = json.loads(path.read_text())
    modules: set[str] = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(source)
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and not guarded(node, parents):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and not guarded(node, parents):
                modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.skipif(not CHAPTERS, reason="no chapters yet")
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_import_of_a_chapter_comes_with_requirements_txt(path: Path):
    closure = installed_closure()
    providers = metadata.packages_distributions()
    missing = []
    for module in sorted(notebook_imports(path)):
        if module in sys.stdlib_module_names:
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & closure:
            missing.append(f"{module} (from {sorted(dists) or 'nowhere installed'})")
    assert missing == [], f"{path.name} imports what requirements.txt does not install: {missing}"


@pytest.mark.skipif(not CHAPTERS, reason="no chapters yet")
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapters_need_no_path_tricks_and_no_network(path: Path):
    code = "\n".join(
        "".join(cell["source"]) for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"
    )
    assert "sys.path" not in code, "a chapter imports nbcode as installed by requirements.txt, never via sys.path"
    assert "os.chdir" not in code, "a chapter runs from chapters/ as its working directory (Binder's)"
    assert not re.search(r"load_mnist\(", code), "chapters use data that ships with a package; no downloads"
