"""The one exception type that reaches a user."""


class UserError(Exception):
    """A problem with the user's input, told in one sentence that says what is wrong and where.

    The CLI prints the message (no traceback) and exits with status 1; the app shows it with
    ``st.error``. Anything else that escapes is a bug in Peta Stunting, not in the user's file.
    """
