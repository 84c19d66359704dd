"""What the user sees of jobs and results.

    text.py      the words and numbers, as pure functions; TextProgress for terminals
    html.py      static HTML: the player, the status, the dry run (all input escaped)
    style.py     the palette and the stylesheet
    progress.py  JobView: the live widget, which turns into the player
    player.py    PlayerView: a finished result as a widget

text.py and html.py never import ipywidgets; progress.py and player.py do, so import
them only where widgets are shown.
"""

from __future__ import annotations
