"""What a user asks for, on top of the engine: a cell's plan, guard and launch
(cells.py), grids (grids.py), history and unfinished jobs (history.py), the studio
(studio.py), compare (compare.py) and the line commands' reports (reports.py)."""
