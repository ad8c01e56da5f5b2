"""Errors that reach a person: each carries one clear, translated sentence."""


class UserError(Exception):
    """Bad input or a refused action. Nothing has been written when it is raised."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    pass


class Conflict(UserError):
    """Someone else saved the record first (optimistic locking): this save is refused."""


class Forbidden(UserError):
    pass
