"""Build step: ship the top-level ``sql/`` and ``expectations/`` folders inside the wheel.

The project layout keeps the schema and the rule catalog at the top of the repository, beside the
package. A built wheel must carry them, so ``build_py`` copies both into ``pipelines/_data/``, where
``pipelines.data_dir`` finds them when the package is not run from a source checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("sql", "expectations")


class BuildWithData(build_py):
    """The standard build, plus the project's SQL and rule catalog as package data."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "pipelines" / "_data"
        for name in SHIPPED:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(HERE / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildWithData})
