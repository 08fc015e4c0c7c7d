"""Build hooks (all metadata lives in pyproject.toml): the optional native tokenizer and the notebooks.

``flownb.io._tokenize`` speeds up reading clean flow log text, and the analyses'
one-pass loops (conversation keys and tallies, ``top``'s sums by key). It is
optional: where no C compiler is available the build skips it and flownb reads
with Arrow's CSV reader and counts with numpy instead (same results, slower).

The guided notebooks (``notebooks/**/*.ipynb``, the dashboard included) are
shipped inside the package as ``flownb/notebooks``, so that ``flownb lab`` can
copy them to a folder of the user's own from an installed wheel.
"""

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_notebooks(build_py):
    """The usual build_py, plus ``notebooks/**/*.ipynb`` copied to ``flownb/notebooks`` in the build."""

    def run(self) -> None:
        super().run()
        source = HERE / "notebooks"
        target = Path(self.build_lib) / "flownb" / "notebooks"
        for nb in sorted(source.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in nb.parts:
                continue
            dest = target / nb.relative_to(source)
            self.mkpath(str(dest.parent))
            self.copy_file(str(nb), str(dest))


setup(
    ext_modules=[Extension("flownb.io._tokenize", ["flownb/io/_tokenize.c"], optional=True)],
    cmdclass={"build_py": build_py_with_notebooks},
)
