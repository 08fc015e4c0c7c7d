"""Build hook: the optional native tokenizer (all metadata lives in pyproject.toml).

``flownb.io._tokenize`` speeds up reading clean flow log text. It is optional:
where no C compiler is available the build skips it and flownb reads with
Arrow's CSV reader instead (same results, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("flownb.io._tokenize", ["flownb/io/_tokenize.c"], optional=True)])
