"""The ``segkit`` command.

``segkit demo`` runs the whole flow on the bundled CDNOW data;
``segkit rfm FILE`` scores a user's own transaction file (CSV or Parquet);
``segkit report FILE`` writes the HTML report.
Errors on bad input print one line and exit with status 2; ``--debug`` shows
the traceback.

One job per module: ``_parser`` (the options), ``_checks`` (what is checked
before any work), ``_read`` (the input files), ``_output`` (what is printed
and written), and one runner per command (``_demo``, ``_report``, ``_rfm``);
``python -m segkit.cli`` runs it (``__main__``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segkit.cli._checks import _check_inputs as _check_inputs
from segkit.cli._output import segment_table as segment_table
from segkit.cli._parser import _parser as _parser
from segkit.cli._read import _read_table as _read_table
from segkit.cli._report import mask_pii_columns as mask_pii_columns
from segkit.errors import CLIError as CLIError
from segkit.errors import SegkitError

__all__ = ["main"]


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"segkit: warning: {message}", file=sys.stderr)


def _for_the_command_line(message: str, args: argparse.Namespace) -> str:
    """The message with its hints at the Python API turned into the command's option.

    The readers' messages suggest ``segkit.clean_transactions`` to a Python user;
    a command that has ``--clean`` (and read a file it can clean) says to pass it.
    """
    # the date messages' advice to a Python user (pd.to_datetime): the option instead
    message = re.sub(
        r"parse it yourself with the right one, e\.g\. pd\.to_datetime\(.*?\) "
        r"\(on the command line: (--date-format '[^']*')\)",
        r"pass the right one, e.g. \1",
        message,
    ).replace(", or parse the column yourself with pd.to_datetime", "")
    message = re.sub(
        r"; fix those values or convert the column, e\.g\. pd\.to_numeric\(.*\)$",
        "; fix those values in the file",
        message,
    )
    # the readers' options
    message = (
        message.replace("date_format '", "--date-format '")
        .replace("encoding='", "--encoding '")
        .replace("decimal='", "--decimal '")
    )
    if "segkit.clean_transactions" not in message or getattr(args, "clean", True):
        return message
    if args.dask or not Path(args.file).is_file():  # Dask input: --clean is refused
        return message
    if "of the customers" in message or "of the events" in message:
        return message  # --clean cleans the transactions only
    message = message.replace(
        "let segkit.clean_transactions drop", "pass --clean to drop"
    ).replace("(segkit.clean_transactions ", "(pass --clean, which ")
    return message.replace("segkit.clean_transactions", "--clean")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``segkit`` command; return the exit status.

    Warnings are printed as one line each (``segkit: warning: ...``); a
    :class:`~segkit.errors.SegkitError` prints ``segkit: error: ...`` and
    returns 2 (``--debug`` re-raises it with the traceback).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            _check_inputs(args)
            return int(args.run(args))
        except BrokenPipeError:
            # The reader went away (``segkit demo | head``): stop quietly, as
            # the Python documentation recommends for command-line tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        except (SegkitError, OSError) as exc:
            if args.debug:
                raise
            message = " ".join(str(exc).split()) if isinstance(exc, SegkitError) else str(exc)
            message = _for_the_command_line(message, args)
            print(f"segkit: error: {message}", file=sys.stderr)
            return 2
