"""Where convviz keeps its caches, writing a file so that it appears whole or not at all, checking an output
path before any work is done, and per-process scratch folders."""

from __future__ import annotations

import os
import re
import shutil
import socket
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


def temp_prefix(path: Path, pid: int | None = None) -> str:
    """Temporary files beside ``path`` are ``.STEM.PID.XXXXXXXX.SUFFIX.part`` (the stem shortened so the name
    stays within the file system's limit): the writing process is in the name, so an interrupted run can
    remove its own and never another run's."""
    stem = os.fsencode(Path(path).stem)[:60].decode(errors="ignore")       # 60 bytes, whole characters
    return f".{stem}.{os.getpid() if pid is None else pid}."


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    A context manager. The parent directory is created if needed; the temporary file
    (``.<stem>.<pid>.<random><suffix>.part`` in the same directory, see ``temp_prefix``) gets the permissions of a newly created file
    (0666 minus the umask). If the block raises (also when a signal stops it), ``path`` is left as it was and the temporary file is
    removed.

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
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=path.suffix[:16] + ".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


_TEMP = re.compile(r"^\..*\.(\d+)\.[A-Za-z0-9_]{8}(\.[^.]*)?\.part$")


def remove_temporaries(folder: Path, pids) -> list[Path]:
    """Remove the temporary files that processes ``pids`` left in ``folder`` (see ``temp_prefix``)."""
    pids = {int(p) for p in pids}
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if m and int(m.group(1)) in pids:
            try:
                (Path(folder) / name).unlink()
                removed.append(Path(folder) / name)
            except OSError:
                pass
    return removed


# ---------------------------------------------------------------------------------------- output checks
def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _probe(folder: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".convviz-probe-", dir=folder)
    os.close(fd)
    os.unlink(tmp)


def _deepest_existing(p: Path) -> Path:
    anc = Path(os.path.abspath(p))
    while not os.path.lexists(anc) and anc != anc.parent:
        anc = anc.parent
    return anc


def _check_parts(target: Path, option: str, shown: Path) -> Path:
    """Every existing part of ``target`` is a folder (no file, no broken link on the way) and every name fits;
    returns the deepest existing folder."""
    anc = _deepest_existing(target)
    limit = _name_max(anc if anc.is_dir() else anc.parent)
    for part in Path(os.path.abspath(target)).relative_to(anc).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise ValueError(f"{option} {str(shown)[:60]}…: the name {part[:24]}… is {size} bytes, longer than the "
                             f"{limit} the file system allows")
    if len(os.fsencode(os.path.abspath(target))) >= 4000:
        raise ValueError(f"{option}: the path is longer than the file system allows")
    if os.path.islink(anc) and not anc.exists():
        raise ValueError(f"{option} {shown}: {anc} is a broken symbolic link")
    if anc != Path(os.path.abspath(target)) and not anc.is_dir():
        raise ValueError(f"{option} {shown}: {anc} is a file, not a folder")
    return anc


def check_folder(folder: Path, option: str) -> None:
    """``folder`` is, or can be created as, a folder convviz can write in: every existing part of the path is a
    folder, and the deepest existing one accepts a new file. ``ValueError`` naming ``option`` otherwise."""
    folder = Path(folder)
    try:
        anc = _check_parts(folder, option, folder)
        if anc == Path(os.path.abspath(folder)) and not anc.is_dir():
            raise ValueError(f"{option} {folder} exists and is not a folder")
        _probe(anc)
    except OSError as e:
        raise ValueError(f"{option} {folder}: cannot write there ({e.strerror or e})") from None


def check_cache() -> None:
    """The cache folder can be written (``ValueError`` saying how to choose another otherwise)."""
    try:
        check_folder(cache_dir(), "the cache folder")
    except ValueError as e:
        raise ValueError(f"{e}; set $CONVVIZ_CACHE to a folder convviz can write") from None


def check_output(path: Path, option: str = "--output") -> None:
    """Before any rendering: ``path`` can be written (``ValueError`` naming ``option`` otherwise): not a folder,
    a name the file system accepts, in a folder that is or can be made and accepts files."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise ValueError(f"{option} {path}: not a file name")
    try:
        anc = _check_parts(path, option, path)
        if anc == Path(os.path.abspath(path)):
            if anc.is_dir():
                raise ValueError(f"{option} {path} is a folder")
            if not anc.is_file():
                raise ValueError(f"{option} {path} exists and is not a regular file")
            anc = anc.parent
        _probe(anc)
    except OSError as e:
        raise ValueError(f"{option} {path}: cannot write there ({e.strerror or e})") from None


# ---------------------------------------------------------------------------------- scratch per process
_SCRATCH: dict[str, Path] = {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def scratch_dir(kind: str) -> Path:
    """A folder of this process under ``cache_dir()/kind`` (``HOST-PID``), empty when first asked for, removed
    when the process exits; folders of processes of this host that no longer run are removed on the way.
    Concurrent runs never share one (they raced on Manim's text and TeX caches)."""
    pid = os.getpid()
    key = f"{kind}:{pid}"
    if key in _SCRATCH:
        return _SCRATCH[key]
    host = socket.gethostname().replace(os.sep, "_")[:40] or "host"
    root = cache_dir() / kind
    d = root / f"{host}-{pid}"
    shutil.rmtree(d, ignore_errors=True)            # a folder of a dead process with this PID: start clean
    d.mkdir(parents=True, exist_ok=True)
    try:
        for old in root.iterdir():
            h, _, p = old.name.rpartition("-")
            if h == host and p.isdigit() and int(p) != pid and not _alive(int(p)):
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass
    _SCRATCH[key] = d
    _register_removal(d, pid)
    return d


def remove_scratch(pids, kinds=("manim",)) -> None:
    """Remove the scratch folders of processes ``pids`` of this host (workers that were stopped)."""
    host = socket.gethostname().replace(os.sep, "_")[:40] or "host"
    for kind in kinds:
        for pid in pids:
            shutil.rmtree(cache_dir() / kind / f"{host}-{pid}", ignore_errors=True)


def _register_removal(d: Path, pid: int) -> None:
    def remove():
        if os.getpid() == pid:
            shutil.rmtree(d, ignore_errors=True)

    import atexit
    from multiprocessing import util

    atexit.register(remove)                                     # the main process
    util.Finalize(None, remove, exitpriority=0)                 # a worker process (it ends with os._exit)
