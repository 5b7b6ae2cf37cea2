"""Packaging hook: the wheel carries the project's config.yml as `bot/default_config.yml`.

Everything else is declared in pyproject.toml. config.yml stays at the top of the checkout (where
people edit it); an installed wenzhen falls back to this copy when no configuration is named.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithDefaultConfig(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "bot" / "default_config.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(Path(__file__).with_name("config.yml")), str(target))


setup(cmdclass={"build_py": BuildWithDefaultConfig})
