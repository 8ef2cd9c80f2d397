"""Run the test suite against another ReportLab release than the pinned one:
`python tools/test_reportlab.py [REQUIREMENT]` (`make test-newest-reportlab` runs it with
`reportlab`, the newest release).

Everything happens in a throw-away folder outside the repository: a copy of this checkout,
a new venv with the project and its test extras installed (the pin in pyproject.toml
decides), then `pip install --upgrade REQUIREMENT` (ignoring the pin), then pytest. The
folder is deleted afterwards. tests/test_install.py is left out: it installs the built
wheel in a venv of its own, which takes the pinned ReportLab, not the one under test.
Exits with pytest's status.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "dist", "build", "*.egg-info", "__pycache__",
                                    ".*_cache", ".hypothesis")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirement", nargs="?", default="reportlab",
                        help="what pip installs over the pinned ReportLab (default: the newest)")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="brochure-reportlab-") as folder:
        place = Path(folder)
        source = place / "source"
        shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
        venv = place / "venv"
        python = venv / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-e", f"{source}[test]"], check=True)
        subprocess.run([*pip, "--upgrade", args.requirement], check=True)
        version = subprocess.run([python, "-c", "import reportlab; print(reportlab.Version)"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        print(f"ReportLab {version} (requested: {args.requirement})", flush=True)
        env = {**os.environ, "XDG_CACHE_HOME": str(place / "cache")}
        done = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--ignore=tests/test_install.py", *args.pytest_args],
                              cwd=source, env=env)
        print(f"ReportLab {version}: pytest exited with {done.returncode}")
        return done.returncode


if __name__ == "__main__":
    sys.exit(main())
