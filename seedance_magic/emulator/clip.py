"""What the renderer is asked to make: a `RenderSpec` (size, duration, seed, prompt, audio,
inputs as `Media`), and `RenderAborted` when the emulator stops it on the way."""

from __future__ import annotations

from dataclasses import dataclass


class RenderAborted(Exception):
    """The caller asked the renderer to stop (the emulator is shutting down)."""


@dataclass(frozen=True)
class Media:
    """An input as the renderer sees it: its label in the clip, its kind, its bytes
    (None when the emulator could not fetch it) and where it came from."""

    label: str
    kind: str
    data: bytes | None
    source: str = ""


@dataclass(frozen=True)
class RenderSpec:
    width: int
    height: int
    duration: int
    seed: int
    prompt: str
    audio: bool = True
    label: str = "Seedance 2.0"
    start_image: Media | None = None
    end_image: Media | None = None
    references: tuple[Media, ...] = ()

    def __post_init__(self) -> None:
        if self.width % 2 or self.height % 2 or self.width < 16 or self.height < 16:
            raise ValueError(f"frame size must be even and at least 16x16, not {self.width}x{self.height}")
        if self.duration < 1:
            raise ValueError(f"duration must be at least 1 s, not {self.duration}")
