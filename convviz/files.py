"""Where convviz keeps its caches, and writing a file so that it appears whole or not at all."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def cache_dir() -> Path:
    """``$CONVVIZ_CACHE``, else ``$XDG_CACHE_HOME/convviz``, else ``~/.cache/convviz``.

    The directory is not created here. Empty variables count as unset.

    Returns:
        Path.

    Examples:
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, {"CONVVIZ_CACHE": "/tmp/cv"}):
        ...     print(cache_dir())
        /tmp/cv
        >>> with mock.patch.dict(os.environ, {"CONVVIZ_CACHE": "", "XDG_CACHE_HOME": "/tmp/xdg"}):
        ...     print(cache_dir())
        /tmp/xdg/convviz
    """
    if os.environ.get("CONVVIZ_CACHE"):
        return Path(os.environ["CONVVIZ_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "convviz"


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    A context manager. The parent directory is created if needed; the temporary file
    (``.<stem>.<random><suffix>.part`` in the same directory) gets the permissions of a newly created file
    (0666 minus the umask). If the block raises, ``path`` is left as it was and the temporary file is removed.

    Args:
        path: the file to write (str or Path)

    Yields:
        Path: the temporary file to write to.

    Examples:
        >>> with tempfile.TemporaryDirectory() as d:
        ...     target = Path(d) / "sub" / "out.txt"
        ...     with atomic_path(target) as tmp:
        ...         _ = tmp.write_text("done")
        ...         print(target.exists())              # not there while the block runs
        ...     print(target.read_text(), sorted(p.name for p in target.parent.iterdir()))
        False
        done ['out.txt']
        >>> with tempfile.TemporaryDirectory() as d:
        ...     try:
        ...         with atomic_path(Path(d) / "out.txt") as tmp:
        ...             _ = tmp.write_text("half")
        ...             raise RuntimeError("failed")
        ...     except RuntimeError:
        ...         pass
        ...     print(sorted(os.listdir(d)))            # neither the file nor the temporary file
        []
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
