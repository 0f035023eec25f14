"""The exceptions of the end-to-end checkers (stdlib only)."""


class CheckFailed(Exception):
    """An expectation of a checker did not hold."""


class DumpFormatError(CheckFailed):
    """A dump file is not well-formed JSON Lines of the documented format."""
