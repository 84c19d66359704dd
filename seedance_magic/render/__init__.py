"""Pure text and HTML of everything shown: a job's progress and its player (text.py,
html.py), grids (grid.py), the history gallery (gallery.py), compare (compare.py), the
studio's cards (studio.py) and the prompt coach's hints (coach.py), in one palette
(style.py). Strings in, strings out, every value from a user or a provider escaped. What
they show is described by the Protocols of shapes.py; no widgets, no I/O."""
