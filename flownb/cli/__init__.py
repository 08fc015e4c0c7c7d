"""The ``flownb`` command line: a thin shell over the library's functions.

Each subcommand lives in its own module in this package (``read.py``,
``query.py``, ...) and defines ``register(subparsers)``, which adds its parser
and sets ``func`` to a function taking the parsed arguments and returning an
exit code. Modules are found automatically, so a new command is one new file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="flownb",
        description="Amazon VPC Flow Logs from the command line: read, query, diagnose, detect, simulate.",
    )
    parser.add_argument("--version", action="version", version=f"flownb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    ``flownb top FILE --by dstport``, from Python:

    >>> from flownb.cli import main
    >>> from flownb.samples import path
    >>> main(["top", str(path("aws-docs/default-accept-reject")), "--by", "dstport"])
     dstport  flows  packets  bytes    bps  pps    bpp  share
          22      1       20   4249 566.53 0.33 212.45   0.50
        3389      1       20   4249 566.53 0.33 212.45   0.50
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from ..io import FlowLogParseError, FlowLogParseWarning, FlowLogSkipWarning, FlowLogSourceError
    from ._common import SafeStream, StrictFailure, printable

    def note(message: Warning | str, category: type[Warning], *_args: object, **_kw: object) -> None:
        print(f"flownb {args.command}: note: {printable(str(message))}", file=sys.stderr)

    out, err = sys.stdout, sys.stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FlowLogParseWarning)  # commands report bad lines themselves
            warnings.filterwarnings("always", category=FlowLogSkipWarning)
            warnings.showwarning = note
            if out.isatty():  # data from the files never writes raw control characters to a terminal
                sys.stdout = SafeStream(out)
            if err.isatty():
                sys.stderr = SafeStream(err)
            return int(args.func(args) or 0)
    except StrictFailure:
        return 1  # the warning on stderr said why
    except ImportError as exc:  # an optional dependency: its message names the install command
        print(f"flownb {args.command}: error: {printable(' '.join(str(exc).split()))}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except (FlowLogParseError, FlowLogSourceError, ValueError, KeyError, OSError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"flownb {args.command}: error: {printable(str(msg))}", file=sys.stderr)
        return 1
    finally:
        sys.stdout, sys.stderr = out, err
