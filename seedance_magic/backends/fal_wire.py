"""fal's side of the provider table (providers.py): where fal_client finds a key, and
that fal takes every argument the magic makes as it is; its dry-run code is plain
fal_client."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..endpoints import Endpoint

__all__ = ["code", "complete", "has_credentials", "refusals"]


def has_credentials() -> bool:
    """Whether fal_client will find a credential (FAL_KEY, FAL_KEY_ID + FAL_KEY_SECRET, a
    Colab secret, a `fal auth login` token), without any network call."""
    if os.environ.get("FAL_KEY") or (os.environ.get("FAL_KEY_ID") and os.environ.get("FAL_KEY_SECRET")):
        return True
    if "google.colab" in sys.modules:
        from fal_client.auth import get_colab_token

        if get_colab_token():
            return True
    home = Path(os.environ.get("FAL_HOME_DIR", str(Path.home() / ".fal"))).expanduser()
    return (home / "auth0_token").is_file()


def refusals(endpoint: Endpoint, arguments: Mapping[str, Any]) -> list[str]:
    return []


def complete(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return dict(arguments)


def code(endpoint_id: str, arguments: Mapping[str, Any]) -> str:
    from ..plan import fal_client_code

    return fal_client_code(endpoint_id, arguments)
