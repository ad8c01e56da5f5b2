"""The business rules of Recouvrement (no UI code here).

Importing the package registers the history listener, so every change made through any
engine service is recorded with the acting login.
"""

from engine import history as _history  # noqa: F401
