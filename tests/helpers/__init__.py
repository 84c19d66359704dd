"""Shared test helpers: emulator routing, fake jobs and widgets, IPython shells, kernels,
media files, the browser."""
