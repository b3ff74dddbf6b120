"""The suite installed as a package, not run from the checkout: after a plain (not
editable) install, `pytest --pyargs conformance` from any directory runs it against
the embedded emulator and writes its reports there, never into the installed tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from power.runner import ROOT


def _installed(tmp_path: Path) -> Path:
    """A fresh environment holding the project's wheel, and this environment's
    dependencies beside it (a .pth file), so nothing is fetched but the build backend."""
    wheels, source = tmp_path / "wheels", tmp_path / "source"
    # pip builds in the tree it is given: a copy keeps build/ out of the checkout
    litter = shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "out", "mutants")
    shutil.copytree(ROOT, source, ignore=litter)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    env = tmp_path / "env"
    # No pip of its own (ensurepip costs seconds): this environment's pip installs into it.
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("recording_conformance-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", wheel],
        check=True,
        capture_output=True,
    )
    return python


def test_pyargs_runs_the_installed_suite_and_reports_where_it_was_started(
    tmp_path: Path,
) -> None:
    python = _installed(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Not the checkout's: no PYTHONPATH (pytest-xdist sets one to the rootdir).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "PYTHONPATH"))}
    done = subprocess.run(
        [str(python), "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider", "-q"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    installed = subprocess.run(
        [str(python), "-c", "import conformance; print(conformance.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert not installed.startswith(str(ROOT))  # the wheel's copy ran, not the checkout
    reports = elsewhere / "reports" / "out"
    written = {p.name for p in reports.iterdir()}
    assert {"conformance.json", "conformance.html", "junit.xml"} <= written
    assert not list(Path(installed).parent.rglob("conformance.json"))
