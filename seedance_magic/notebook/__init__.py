"""The IPython face: the magics (magic.py), `%config Seedance.*` (config.py), the help
(help.py), the cell runner (runner.py), how jobs display (display.py) and the load
notice (announce.py). IPython is imported only here and in ui/."""
