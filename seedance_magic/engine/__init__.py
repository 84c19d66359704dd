"""The job engine: `Job` (job.py) takes one request through its provider, with its
collaborators `Following` (following.py) and `Fetching` (fetching.py); `JobGroup`
(group.py) holds the jobs of a grid, `SlotGate` (gate.py) bounds how many are in
flight; `block` (wait.py) is the one way a cell waits; `Runtime` (runtime.py) holds the
settings, journals, targets, loops and backends (backends/, the only code on the wire).
Nothing here imports a view."""
