"""How the application ends: one top-level handler for every command.

- bad input (``UsageError``) and expected trouble of the machine (a full disk, a read-only folder, too little
  memory) → one line on stderr, exit status 2;
- SIGINT, SIGTERM, SIGHUP → ``Interrupted`` (temporary files are removed on the way out) → exit 128 + signal;
- anything else is a bug → one line naming the file that holds the full trace, exit status 1.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
import traceback
from pathlib import Path

EXIT_USAGE = 2
EXIT_INTERNAL = 1
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# errors of the machine, not of convviz: reported in one line
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG,
                      errno.ENOTDIR, errno.EISDIR, errno.EFBIG, errno.EMFILE, errno.ENFILE, errno.ENOMEM,
                      errno.EIO, errno.ELOOP, errno.EXDEV}


class UsageError(Exception):
    """Bad input from the user (a parameter, a file, a name, a format): one line, exit status 2."""


class Interrupted(BaseException):
    """A signal asked convviz to stop (raised from the signal handler, so ``finally`` blocks clean up)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def _raise_interrupted(signum, frame):
    # a second signal during the clean-up must not cut it short: the first one is already being handled
    for s in HANDLED_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> dict:
    """SIGINT, SIGTERM and SIGHUP raise ``Interrupted`` in the main thread; returns the handlers they had (for
    ``restore_signal_handlers``). Outside the main thread nothing changes."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {s: signal.getsignal(s) for s in HANDLED_SIGNALS}
    for s in HANDLED_SIGNALS:
        signal.signal(s, _raise_interrupted)
    return previous


def restore_signal_handlers(previous: dict) -> None:
    for s, h in previous.items():
        signal.signal(s, h if h is not None else signal.SIG_DFL)


def expected_message(exc: BaseException) -> str | None:
    """The one line for an expected error, or None for a bug."""
    if isinstance(exc, UsageError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return ("out of memory: this render needs more memory than the machine has free; use smaller sizes or a "
                "lower --quality")
    if isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or os.strerror(exc.errno)}{where}"
    return None


def write_trace(exc: BaseException) -> Path | None:
    """The full trace of an unexpected error in a file of the cache's ``logs`` folder (the 20 newest are
    kept), else of the temporary folder; its path, or None if nothing could be written."""
    import tempfile

    from ..files import cache_dir

    text = "".join(traceback.format_exception(exc))
    header = f"convviz {' '.join(sys.argv[1:])}\n{time.strftime('%Y-%m-%d %H:%M:%S')}\n\n"
    name = f"convviz-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (cache_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(header + text, encoding="utf-8")
        except OSError:
            continue
        if folder.name == "logs":
            old = sorted(folder.glob("convviz-*.log"), key=lambda p: p.stat().st_mtime)[:-20]
            for p in old:
                p.unlink(missing_ok=True)
        return path
    return None


def report(exc: BaseException, stream=None) -> int:
    """Print the one line for ``exc`` and return the exit status."""
    stream = stream or sys.stderr
    if isinstance(exc, Interrupted):
        print(f"convviz: interrupted ({exc.name}); temporary files removed", file=stream)
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        print("convviz: interrupted", file=stream)
        return 128 + signal.SIGINT
    msg = expected_message(exc)
    if msg is not None:
        print(f"convviz: error: {' '.join(msg.split())}", file=stream)
        return EXIT_USAGE
    path = write_trace(exc)
    first = " ".join(str(exc).split())[:300]
    where = f"; full trace in {path}" if path else ""
    print(f"convviz: internal error: {type(exc).__name__}: {first}{where} (please report it)", file=stream)
    return EXIT_INTERNAL
