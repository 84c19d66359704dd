"""The one error tree of seedance-magic.

    SeedanceError
    ├── InvalidRequest            what the user asked for cannot be sent (one line, nothing sent)
    │   └── BudgetExceeded        the estimate is above a configured limit
    ├── MissingDependency         an optional package is needed for this (with the pip line)
    ├── CredentialsMissing        no FAL_KEY where one is needed
    ├── ServiceError              fal (or the network to it) did not do what was asked
    │   ├── SubmitOutcomeUnknown  the submit's response was lost: fal may have accepted it
    │   ├── RateLimited           429 after the retries
    │   ├── Unavailable           5xx, timeouts, dropped connections after the retries
    │   ├── Rejected              fal refused the arguments (422 and other 4xx)
    │   └── AuthenticationFailed  401/403
    ├── JobFailed                 the job ran and ended with an error at fal
    ├── JobCancelled              the job was cancelled
    ├── JobTimeout                the caller's --timeout passed
    ├── DownloadFailed            the video was made but could not be saved locally
    ├── JournalUnavailable        the journal file cannot be opened, read or written
    └── JobInterrupted            something on this machine stopped a job being followed
    Interrupted (a KeyboardInterrupt)  Ctrl-C stopped a wait; its jobs were cancelled

Every message says what happened and what to do, and names the request id when there
is one. Dependency errors (fal_client, httpx) are translated into this tree at one
boundary, in each backend (backends/fal.py, backends/lumenfall.py).
"""

from __future__ import annotations


class SeedanceError(Exception):
    """Base of every error raised by seedance-magic."""

    def __init__(self, message: str, *, request_id: str | None = None, hint: str = "") -> None:
        self.message = message
        self.request_id = request_id
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.request_id and self.request_id not in self.message:
            parts.append(f"(request {self.request_id})")
        text = " ".join(parts)
        return f"{text}. {self.hint}" if self.hint else text


class InvalidRequest(SeedanceError, ValueError):
    """The request cannot be sent as given; nothing was sent or spent."""


class BudgetExceeded(InvalidRequest):
    """The cost estimate is above `max_usd_per_run` or the session budget."""


class MissingDependency(SeedanceError, ImportError):
    """An optional package is needed for this feature."""


class CredentialsMissing(SeedanceError):
    """No credentials for the provider were found where they are required."""


class ServiceError(SeedanceError):
    """The provider (fal, Lumenfall), or the network to it, did not do what was asked."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        hint: str = "",
        status_code: int | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id, hint=hint)
        self.status_code = status_code
        self.error_type = error_type


class SubmitOutcomeUnknown(ServiceError):
    """The submit was sent but its response was lost: the provider may have queued (and
    will charge for) the job. It is never resubmitted automatically."""


class RateLimited(ServiceError):
    """The provider answered 429 Too Many Requests, also after retrying."""


class Unavailable(ServiceError):
    """The provider answered 5xx, timed out or dropped the connection, also after retrying."""


class Rejected(ServiceError):
    """The provider refused the request's arguments (or an action it does not offer)."""


class AuthenticationFailed(ServiceError):
    """The provider refused the credentials."""


class JobFailed(SeedanceError):
    """The job ran at the provider and ended with an error."""

    def __init__(
        self, message: str, *, request_id: str | None = None, hint: str = "", error_type: str | None = None
    ) -> None:
        super().__init__(message, request_id=request_id, hint=hint)
        self.error_type = error_type


class JobCancelled(SeedanceError):
    """The job was cancelled before it produced a video."""


class JobTimeout(SeedanceError, TimeoutError):
    """The job did not finish within the caller's timeout."""


class DownloadFailed(SeedanceError):
    """fal made the video but it could not be saved to the output folder."""


class JournalUnavailable(SeedanceError):
    """The journal file is locked by another program, damaged, not a database, a folder,
    or cannot be written; the message names the file and what to do."""


class JobInterrupted(SeedanceError):
    """An unexpected failure on this machine (a full disk, a folder that is a file, ...)
    stopped following a job that was already sent: the provider may still finish it, and
    it can be resumed by its request id."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or Kernel → Interrupt) stopped a wait after cancelling its jobs at their
    provider. A KeyboardInterrupt, so that it stops a script and Run All; its message is
    one line saying what became of the jobs, and IPython shows only that line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback."""
        return [self.message]


PIP_VIDEO = 'pip install "seedance-magic[video]"'


def require_video_extra(feature: str) -> None:
    """Raise MissingDependency naming `feature` unless av, numpy and Pillow import (the
    `video` extra); the one place that says how to install it."""
    missing = []
    for module in ("av", "numpy", "PIL"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise MissingDependency(
            f"{feature} needs {', '.join(missing)}, which {verb} not installed",
            hint=f"Install the video extra: {PIP_VIDEO}",
        )
