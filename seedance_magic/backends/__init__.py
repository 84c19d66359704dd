"""Backends the job engine drives: `base` holds the protocol, `fal` speaks to fal.ai (or
to a fal-compatible server such as the built-in emulator) through fal_client."""
