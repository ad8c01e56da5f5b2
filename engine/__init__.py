"""The business rules of Recouvrement (no UI code here).

Importing the package registers the flush listeners: every change made through any engine
service is recorded with the acting login (history), and the list columns of the dossiers
it touches are recomputed (summary).
"""

from engine import history as _history  # noqa: F401
from engine import summary as _summary  # noqa: F401
