"""A fork gets the maintainers' CI and a published book: .github/workflows/book.yml runs .ci/run
(which installs everything and runs the README's test command) and publishes the book that run
builds."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_workflow_runs_the_ci_script_and_publishes_the_book() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    test, pages = workflow["jobs"]["test"], workflow["jobs"]["pages"]
    commands = [step.get("run", "") for step in test["steps"]]
    assert "bash .ci/run" in commands, "the workflow should run the same CI script"
    uploads = [step for step in test["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html", "it should publish the book .ci/run builds"
    assert pages["needs"] == "test" and pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert test["container"].startswith("python:3.11-bookworm"), "Debian, for Debian's chromium"
    assert "make test" in (ROOT / ".ci" / "run").read_text(), ".ci/run should call the README's test command"
