"""The journal on disk: every job in SQLite (journal.py), and what is read back from it
as results and job specs (records.py)."""
