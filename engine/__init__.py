"""The business rules of Recouvrement (no UI code here).

Importing the package costs nothing: the TUI paints its first screen with ``engine.i18n``
and ``engine.errors`` alone. The flush listeners (history of every change, list columns
of the dossiers a change touches) are registered by ``engine.context``, which every unit
of work goes through, and by ``engine.bootstrap``.
"""
