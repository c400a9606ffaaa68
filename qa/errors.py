"""Domain errors: each message names the value, the limit and the fix, in one line."""


class QAError(Exception):
    """Base of every error the CLI and the app turn into a one-line message."""


class CorpusError(QAError):
    """The corpus folder is missing, empty or holds nothing readable."""


class IndexNotReady(QAError):
    """The index is missing, corrupt, stale or built with another model or format."""


class IndexLocked(QAError):
    """Another build holds the index lock."""


class QuestionError(QAError):
    """The question cannot be searched (empty, punctuation only, ...)."""


class GoldFileError(QAError):
    """A gold question file is malformed."""


class BuildCancelled(QAError):
    """A build stopped on request before it wrote anything: the index is as it was."""
