"""A built wheel works outside the repository: it carries sql/, expectations/ and the reference lists.

An editable install hides a missing data file, because the checkout is always there. This test builds
the wheel, installs it into a fresh virtualenv in a temporary folder (the dependencies are borrowed
from the project's environment through a path entry, so nothing is downloaded but the build backend),
and ingests a sample from a folder that is not the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SEED000

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    # build from a copy of the tracked files, so the checkout gets no build/ folder
    files = _run(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=PROJECT
    ).stdout.split("\0")
    for name in filter(None, files):
        src = PROJECT / name
        if src.is_file() and not name.startswith(("tests/fixtures", "data/")):
            dst = build / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
    done = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ".", cwd=build)
    assert done.returncode == 0, done.stderr[-2000:]
    (found,) = out.glob("yujuesuan-*.whl")
    return found


def test_the_wheel_carries_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "pipelines/_data/sql/schema/100_fact_line_item.sql",
        "pipelines/_data/expectations/rules/hierarchy.yaml",
        "pipelines/_data/expectations/shapes/code_rollup.sql",
        "pipelines/reference/functional_codes.csv",
        "pipelines/reference/table_titles.yaml",
        "pipelines/catalog/tables.yaml",
        "pipelines/report/templates/report.html.j2",
    ):
        assert required in names, required


def test_an_installed_wheel_ingests_a_sample_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    # the dependencies (not the project) come from the environment running the tests
    (Path(site.stdout.strip()) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "elsewhere"
    (work / "landing").mkdir(parents=True)
    (work / "landing" / SEED000.name).write_bytes(SEED000.read_bytes())
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    env.pop("PYTHONPATH", None)
    where = _run(python, "-c", "import pipelines; print(pipelines.__file__)", cwd=work, env=env)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr

    done = _run(
        env_dir / "bin" / "yujuesuan", "ingest", "landing", "--warehouse", "data/w.duckdb", cwd=work, env=env
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    assert (work / "data" / "w.duckdb").is_file()
    import duckdb

    with duckdb.connect(str(work / "data" / "w.duckdb"), read_only=True) as con:
        facts = con.execute("select count(*) from fact_line_item").fetchone()
        rules = con.execute("select count(*) from dq_rule").fetchone()
    assert facts is not None and facts[0] > 100
    assert rules is not None and rules[0] > 50
