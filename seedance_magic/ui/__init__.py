"""The screen: ipywidgets views (progress.py: JobView, player.py, grid.py, studio.py,
compare.py, orphans.py), text progress for terminals (terminal.py), and which front-end
the kernel talks to (frontends.py). They render with render/ and know a job only by the
Protocol of shapes.py. ipywidgets is imported only here."""
