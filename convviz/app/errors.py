"""The application's error type: bad input from the user, reported as one line on stderr with exit status 2."""

from __future__ import annotations

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user (a parameter, a file, a name, a format): one line, exit status 2."""
