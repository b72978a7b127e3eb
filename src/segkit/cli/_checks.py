"""The checks of the command line made before any file is read or anything computed."""

from __future__ import annotations

import argparse
import glob
from pathlib import Path

import pandas as pd

from segkit._optional import import_optional
from segkit._writers import check_target
from segkit.cli._formats import check_columns_or_format
from segkit.cli._output import _locale
from segkit.errors import CLIError, ParameterError

_MAX_HOLDOUT_DAYS = 36_525


def _check_inputs(args: argparse.Namespace) -> None:
    """Every argument the command can check before it reads or computes anything."""
    _locale(args)  # the currency
    check_columns_or_format(args)
    _check_as_of(getattr(args, "as_of", None))
    date_format = getattr(args, "date_format", None)
    if date_format is not None and not date_format.strip():
        raise CLIError(
            "--date-format is empty: give the timestamp column's format, e.g. "
            "'%d/%m/%Y %H:%M', or leave the option out to read one format inferred for the "
            "whole column"
        )
    days = getattr(args, "holdout_days", None)
    if days is not None and not 1 <= days <= _MAX_HOLDOUT_DAYS:
        raise CLIError(
            f"--holdout-days must be between 1 and {_MAX_HOLDOUT_DAYS:,} (100 years); got {days:,}"
        )
    bins = getattr(args, "bins", None)
    if bins is not None and not 2 <= bins <= 9:  # RFMScorer's range: one-digit scores
        raise CLIError(f"--bins must be between 2 and 9; got {bins}")
    for name in ("file", "customers", "events"):
        value = getattr(args, name, None)
        if value is not None and not Path(value).exists() and not glob.glob(value):
            raise CLIError(f"no such file: {value}")
    if getattr(args, "pseudonymize", None):
        from segkit.privacy import read_key

        if not Path(args.pseudonymize).is_file():
            raise CLIError(f"no such key file: {args.pseudonymize}")
        read_key(args.pseudonymize)
    min_group = getattr(args, "min_group", None)
    if min_group is not None and min_group < 1:
        raise CLIError(f"--min-group must be a positive number of customers; got {min_group}")
    rules = getattr(args, "rules", None)
    if rules:
        if not Path(rules).is_file():
            raise CLIError(f"no such rules file: {rules}")
        if Path(rules).suffix.lower() in {".yaml", ".yml"}:
            import_optional("yaml", extra="yaml", what=f"reading the rules file {rules}")
        elif Path(rules).suffix.lower() != ".json":
            raise CLIError(f"the rules file must be .yaml, .yml or .json; got {rules}")
    inputs = {
        Path(value).resolve(): f"--{name}" if name != "file" else "the input file"
        for name in ("file", "customers", "events", "rules", "pseudonymize")
        if isinstance(value := getattr(args, name, None), str) and Path(value).is_file()
    }
    for name, what in (("output", "the output"), ("table", "the table")):
        value = getattr(args, name, None)
        if value is not None:
            _check_output(value, what)
            if Path(value).resolve() in inputs:
                raise CLIError(
                    f"{what} {value!r} is {inputs[Path(value).resolve()]}; writing it would "
                    "destroy it: give another file name"
                )


def _check_as_of(value: str | None) -> None:
    if value is None:
        return
    from segkit._time import check_day_month

    try:
        check_day_month(value, "--as-of")
    except ParameterError as exc:
        raise CLIError(str(exc)) from None
    try:
        pd.Timestamp(value).as_unit("ns")
    except (ValueError, OverflowError):
        raise CLIError(
            f"--as-of {value!r} is not a date segkit can use: give a date between "
            f"{pd.Timestamp.min:%Y-%m-%d} and {pd.Timestamp.max:%Y-%m-%d}, e.g. 2024-06-30"
        ) from None


def _check_output(value: str, what: str) -> None:
    suffix = Path(value).suffix.lower()
    check_target(value, what)
    if suffix in {".parquet", ".pq"}:
        import_optional("pyarrow", extra="parquet", what=f"writing {value}")
    elif suffix in {".xlsx", ".xlsm"}:
        import_optional("openpyxl", extra="excel", what=f"writing {value}")
