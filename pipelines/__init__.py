"""yujuesuan: department budgets and final accounts (预决算) into one DuckDB warehouse."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SQL_DIR = PROJECT_DIR / "sql"
REFERENCE_DIR = PACKAGE_DIR / "reference"
