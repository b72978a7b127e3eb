"""Reading a transaction log that is a folder (or a glob) of Parquet files, with Dask."""

from __future__ import annotations

import glob
from pathlib import Path

from segkit._optional import import_optional
from segkit.dask._partition import Frame
from segkit.errors import SchemaError

__all__ = ["is_many_files", "read_parquet_log"]

_PARQUET = {".parquet", ".pq"}


def is_many_files(path: str) -> bool:
    """Whether ``path`` names several files: a folder, or a glob pattern (``*``, ``?``, ``[``)."""
    return Path(path).is_dir() or glob.has_magic(path)


def read_parquet_log(path: str) -> Frame:
    """A Parquet file, a folder of them (also Hive-partitioned) or a glob, as a Dask DataFrame.

    Parameters
    ----------
    path : str
        ``transactions/`` (every ``.parquet``/``.pq`` file below it),
        ``transactions/2025-*.parquet`` or one file.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy: the files are read when a computation needs them, one
        partition per row group or file.

    Raises
    ------
    SchemaError
        When nothing matches, when a matching file is not Parquet (CSV is read
        with pandas: convert it first), or when the files cannot be read.
    """
    dd = import_optional("dask.dataframe", extra="dask", what=f"reading {path} with Dask")
    folder = Path(path).is_dir()
    if folder:
        files = sorted(str(f) for f in Path(path).rglob("*") if f.is_file())
        files = [f for f in files if not Path(f).name.startswith(("_", "."))]  # _metadata, .crc
    else:
        files = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
    if not files:
        raise SchemaError(f"no files match {path!r}")
    other = [f for f in files if Path(f).suffix.lower() not in _PARQUET]
    if other:
        raise SchemaError(
            f"Dask input must be Parquet files (.parquet or .pq); {other[0]!r} is not. Read "
            "a CSV file without --dask, or convert it, e.g. with "
            "dask.dataframe.read_csv(...).to_parquet(folder)"
        )
    import_optional("pyarrow", extra="parquet", what=f"reading {path}")
    try:
        frame: Frame = dd.read_parquet(path if folder else files)
    except (ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SchemaError(f"could not read {path}: {first}") from exc
    return frame
