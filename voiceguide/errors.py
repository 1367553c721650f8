"""The project's own exceptions: every failure a user can see is one of these."""

from __future__ import annotations


class VoiceguideError(Exception):
    """A failure with a message fit to show a user as it is (one line, no traceback)."""

    exit_code = 1


class UsageError(VoiceguideError):
    """An option or argument that cannot work as given."""

    exit_code = 2


class RoutineError(VoiceguideError):
    """A routine text or routine file that cannot be read, with its place."""

    def __init__(self, message: str, source: str | None = None, line: int | None = None) -> None:
        place = source or ""
        if source and line:
            place = f"{source}:{line}"
        super().__init__(f"{place}: {message}" if place else message)
        self.source = source
        self.line = line


class SynthesisError(VoiceguideError):
    """The speech engine is missing or failed on a sentence."""


class RenderError(VoiceguideError):
    """The audio or its sidecars could not be written."""
