"""One error tree for the whole tool.

The CLI turns a DigestError into a short message and its exit status; anything else is a bug
and shows a traceback. A UserError is the editor's to fix (exit 2): it names the file, the
line when known, and what to do.
"""

from __future__ import annotations

from pathlib import Path


class DigestError(Exception):
    """Base of every error digest raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  {self.hint}"


class UserError(DigestError):
    """Bad input: usage, settings, an issue file. Exit status 2."""

    exit_code = 2


class FileError(UserError):
    """A problem at a place in a file the editor wrote."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.detail = message  # the message without the place
        self.line = line
        self.column = column
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}", hint=hint)


class ConfigError(FileError):
    """feeds.yaml is unreadable or does not fit the schema."""


class IssueFileError(FileError):
    """issues/N.yaml is unreadable or does not fit the schema."""


class UnfinishedIssue(IssueFileError):
    """An issue that is not a draft still holds what the draft writer left for the editor."""


class TemplateError(UserError):
    """A theme template is missing or broken."""


class WorkFailed(DigestError):
    """The work itself failed (every feed failed, a send failed). Exit status 1."""

    exit_code = 1


class FetchError(DigestError):
    """One feed could not be read; carries a one-line reason."""


class StoreError(DigestError):
    """The local store is locked, corrupt or from a newer version."""


class RenderError(DigestError):
    """An output could not be made (PDF engine, fonts)."""


class MailError(DigestError):
    """A message could not be built or sent."""
