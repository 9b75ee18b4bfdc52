"""yujuesuan: department budgets and final accounts (预决算) into one DuckDB warehouse."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
REFERENCE_DIR = PACKAGE_DIR / "reference"


def is_checkout() -> bool:
    """True when running from the repository (editable install), not from an installed wheel."""
    return (PROJECT_DIR / "pyproject.toml").is_file() and (PROJECT_DIR / "sql").is_dir()


def work_dir() -> Path:
    """Where ``data/`` lives by default: the checkout, or for an installed wheel the current folder."""
    return PROJECT_DIR if is_checkout() else Path.cwd()


def data_dir(name: str) -> Path:
    """The project's ``sql`` or ``expectations`` folder: the checkout's, else the copy inside the wheel.

    A source checkout (editable install, tests, ``make run``) reads the folders at the top of the
    repository; an installed wheel carries them as ``pipelines/_data/<name>`` (see ``setup.py``).
    """
    return PROJECT_DIR / name if is_checkout() else PACKAGE_DIR / "_data" / name


SQL_DIR = data_dir("sql")
RULES_DIR = data_dir("expectations") / "rules"
