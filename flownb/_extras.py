"""The optional extras (``aws``, ``notebooks``, ``browser``) and the one-line hint naming their install command.

flownb is not on a package index yet, so ``pip install 'flownb[aws]'`` cannot work; the command that
does, for a flownb already installed (from a clone or a git URL), installs the extra's packages
themselves. They are read from flownb's own metadata (``pyproject.toml``), so the hint never drifts
from what the extra holds. The README gives the same commands.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

__all__ = ["MissingDependency", "install_command", "missing"]

_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


class MissingDependency(ModuleNotFoundError):
    """An optional dependency is not installed; the message is one line ending in its install command."""


@cache
def install_command(extra: str) -> str:
    """The pip command that adds an extra's packages to an installed flownb.

    Examples
    --------
    >>> install_command("aws")
    "pip install 'boto3>=1.34'"
    """
    try:
        requires = metadata.requires("flownb") or []
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree, not installed
        return f"pip install -e '.[{extra}]'   (in a clone of flownb)"
    packages = []
    for req in requires:
        spec, _, marker = req.partition(";")
        found = _EXTRA.search(marker)
        if found and found.group(1) == extra:
            packages.append("'" + spec.strip().replace(" ", "") + "'")
    if not packages:
        raise ValueError(f"flownb has no extra named {extra!r}")
    return "pip install " + " ".join(packages)


def missing(package: str, what: str, extra: str) -> MissingDependency:
    """The error to raise (``from None``, no chained traceback) when ``package`` is not installed.

    Examples
    --------
    >>> str(missing("boto3", "Reading flow logs from S3", "aws"))
    "Reading flow logs from S3 needs boto3 (flownb's 'aws' extra), which is not installed: pip install 'boto3>=1.34'"
    """
    return MissingDependency(
        f"{what} needs {package} (flownb's '{extra}' extra), which is not installed: {install_command(extra)}",
        name=package,
    )
