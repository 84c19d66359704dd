"""The moving picture of an emulator clip, composed directly in YUV 4:2:0 with numpy.

Everything is prepared once per clip: a background (a seed-coloured gradient twice the
frame wide to scroll through, or the fitted start image and its difference to the end
image), the banner and reference tiles as premultiplied patches, a ball sprite.
`Layers.frame(i)` then writes frame i into one (h * 3/2, w) yuv420p buffer that PyAV
hands to x264 as it is: no text is drawn and no colour is converted per frame. Alpha
blending is linear, so blending in YUV gives the picture blending in RGB would; chroma
uses the 2x2 mean of alpha, which only softens edges. Colours are BT.601 limited range,
as synth.py tags the stream.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .pictures import banner, fit_cover, tile_sheet

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PIL import Image

    from .clip import RenderSpec

    U8 = NDArray[np.uint8]
    U16 = NDArray[np.uint16]
    F32 = NDArray[np.float32]

FPS = 24
_BT601 = (
    (65.481 / 255, 128.553 / 255, 24.966 / 255),
    (-37.797 / 255, -74.203 / 255, 112.0 / 255),
    (112.0 / 255, -93.786 / 255, -18.214 / 255),
)


def spec_rng(spec: RenderSpec) -> np.random.Generator:
    """A random generator fixed by (prompt, seed): the whole look of a clip comes from it."""
    import numpy as np

    digest = hashlib.sha256(f"{spec.seed}\x00{spec.prompt}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _half(plane: Any) -> F32:
    """2x2 means: full resolution to chroma resolution."""
    import numpy as np

    h, w = plane.shape[0] // 2 * 2, plane.shape[1] // 2 * 2
    mean: F32 = plane[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3), dtype=np.float32)
    return mean


def rgb_to_yuv(rgb: Any) -> tuple[F32, F32, F32]:
    """Y at full resolution, U and V at half, from an (h, w, 3) RGB array (h, w even)."""
    import numpy as np

    matrix = np.array(_BT601, np.float32)
    yuv = np.asarray(rgb, np.float32) @ matrix.T + np.array([16, 128, 128], np.float32)
    return yuv[..., 0], _half(yuv[..., 1]), _half(yuv[..., 2])


def _u8(plane: Any) -> U8:
    import numpy as np

    out: U8 = np.clip(np.rint(plane), 0, 255).astype(np.uint8)
    return out


class Frame:
    """One yuv420p buffer and its Y, U and V planes as views."""

    def __init__(self, width: int, height: int) -> None:
        import numpy as np

        self.buffer: U8 = np.zeros((height * 3 // 2, width), np.uint8)
        flat, luma, quarter = self.buffer.reshape(-1), width * height, width * height // 4
        self.planes: tuple[U8, U8, U8] = (
            flat[:luma].reshape(height, width),
            flat[luma : luma + quarter].reshape(height // 2, width // 2),
            flat[luma + quarter :].reshape(height // 2, width // 2),
        )


@dataclass
class _Patch:
    """A static RGBA picture, premultiplied per YUV plane, to blend at an even (y, x)."""

    y: int
    x: int
    layers: tuple[tuple[U16, U16], ...]

    @classmethod
    def from_rgba(cls, y: int, x: int, rgba: Any) -> _Patch:
        import numpy as np

        arr = np.asarray(rgba)
        arr = arr[: arr.shape[0] // 2 * 2, : arr.shape[1] // 2 * 2]
        alpha = arr[..., 3].astype(np.float32) / 255
        chroma_alpha = _half(alpha)

        def premultiply(plane: F32, a: Any) -> tuple[U16, U16]:
            weight = np.rint(a * 256).astype(np.uint16)
            return _u8(plane).astype(np.uint16) * weight, 256 - weight

        luma, u, v = rgb_to_yuv(arr[..., :3])
        layers = (premultiply(luma, alpha), premultiply(u, chroma_alpha), premultiply(v, chroma_alpha))
        return cls(y // 2 * 2, x // 2 * 2, layers)

    def blend(self, frame: Frame, y: int | None = None, x: int | None = None) -> None:
        y = self.y if y is None else y // 2 * 2
        x = self.x if x is None else x // 2 * 2
        for k, (plane, (premul, inverse)) in enumerate(zip(frame.planes, self.layers, strict=True)):
            py, px = (y, x) if k == 0 else (y // 2, x // 2)
            h, w = min(inverse.shape[0], plane.shape[0] - py), min(inverse.shape[1], plane.shape[1] - px)
            if h <= 0 or w <= 0:
                continue
            region = plane[py : py + h, px : px + w]
            mixed = region * inverse[:h, :w]
            mixed += premul[:h, :w]
            region[...] = mixed >> 8


def _colour(rng: np.random.Generator, light: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(float(rng.random()), 0.55 + 0.35 * float(rng.random()), light)
    return round(r * 255), round(g * 255), round(b * 255)


def _gradient(spec: RenderSpec, rng: np.random.Generator) -> tuple[U8, U8, U8]:
    """A background twice the frame width, periodic in x, to scroll through."""
    import numpy as np

    w, h = spec.width, spec.height
    a, b = np.array(_colour(rng, 0.85), np.float32), np.array(_colour(rng, 0.35), np.float32)
    tilt = 0.2 + 0.4 * float(rng.random())
    x = np.arange(2 * w, dtype=np.float32)[None, :] / w
    y = np.arange(h, dtype=np.float32)[:, None] / h
    mix = (0.5 + 0.5 * np.cos(2 * np.pi * (x + tilt * y)))[..., None]
    rgb = (a * mix + b * (1 - mix)) * (1.0 - 0.35 * y)[..., None]
    luma, u, v = rgb_to_yuv(rgb)
    return _u8(luma), _u8(u), _u8(v)


def _ball(radius: int, colour: tuple[int, int, int]) -> _Patch:
    import numpy as np

    d = 2 * radius + 2
    yy, xx = np.mgrid[0:d, 0:d].astype(np.float32) - (radius + 0.5)
    alpha = np.clip(radius + 0.5 - np.hypot(xx, yy), 0, 1) * 255
    rgba = np.dstack([np.broadcast_to(np.array(colour, np.float32), (d, d, 3)), alpha])
    return _Patch.from_rgba(0, 0, rgba.astype(np.uint8))


def _bounce(p: float, span: int) -> int:
    """Position after travelling p pixels in [0, span], reflecting at both ends."""
    if span <= 0:
        return 0
    p %= 2 * span
    return round(p if p <= span else 2 * span - p)


class Layers:
    """Everything precomputed for one clip; `frame(i)` composes frame i."""

    def __init__(self, spec: RenderSpec, start: Image.Image | None, end: Image.Image | None) -> None:
        import numpy as np

        self.spec = spec
        self.frames = spec.duration * FPS
        rng = spec_rng(spec)
        w, h = spec.width, spec.height
        self._start: tuple[F32, F32, F32] | None = None
        self._delta: tuple[F32, F32, F32] | None = None
        self._gradient: tuple[U8, U8, U8] | None = None
        if start is not None:
            self._start = rgb_to_yuv(fit_cover(start, w, h))
            if end is not None:
                target = rgb_to_yuv(fit_cover(end, w, h))
                self._delta = (
                    target[0] - self._start[0],
                    target[1] - self._start[1],
                    target[2] - self._start[2],
                )
        else:
            self._gradient = _gradient(spec, rng)
        self._patches = [_Patch.from_rgba(y, x, panel) for panel, y, x in (banner(spec, start is not None),)]
        sheet = tile_sheet(spec)
        if sheet is not None:
            self._patches.append(_Patch.from_rgba(sheet[1], sheet[2], sheet[0]))
        self._radius = max(6, min(w, h) // 18)
        self._ball = _ball(self._radius, _colour(rng, 1.0))
        self._ball_from = (float(rng.random()) * w, float(rng.random()) * h)
        angle = float(rng.random()) * 2 * math.pi
        speed = min(w, h) * (0.35 + 0.3 * float(rng.random()))
        self._ball_v = (math.cos(angle) * speed, math.sin(angle) * speed)
        bar = rgb_to_yuv(np.full((2, 2, 3), _colour(rng, 1.0), np.float32))
        self._bar = tuple(int(_u8(plane)[0, 0]) for plane in bar)
        self._out = Frame(w, h)

    def frame(self, i: int) -> U8:
        """Frame i as a (height * 3/2, width) yuv420p array (reused between calls)."""
        import numpy as np

        spec, out = self.spec, self._out
        w, h = spec.width, spec.height
        t = i / FPS
        if self._gradient is not None:
            offset = round(t * w / 4) % w // 2 * 2
            for k, (plane, source) in enumerate(zip(out.planes, self._gradient, strict=True)):
                lo = offset if k == 0 else offset // 2
                np.copyto(plane, source[:, lo : lo + plane.shape[1]])
        elif self._start is not None:
            fade = min(1.0, max(0.0, (t / spec.duration - 0.35) / 0.5)) if self._delta else 0.0
            for k, (plane, image) in enumerate(zip(out.planes, self._start, strict=True)):
                if self._delta and fade > 0:
                    np.copyto(plane, image + self._delta[k] * fade, casting="unsafe")
                else:
                    np.copyto(plane, image, casting="unsafe")
            band = round(t / spec.duration * 1.4 * w - 0.2 * w)
            lo, hi = max(0, band), min(w, band + w // 12)
            if hi > lo:
                out.planes[0][:, lo:hi] = np.minimum(out.planes[0][:, lo:hi].astype(np.uint16) + 41, 255)
        for patch in self._patches:
            patch.blend(out)
        r = self._radius
        x0, y0 = self._ball_from
        vx, vy = self._ball_v
        if self._start is not None:
            # The clip starts on the image: the ball enters from the bottom-right corner.
            x0, y0, vx, vy = w - 2 * r - 2, h - 2 * r - 2, -abs(vx), -abs(vy)
        self._ball.blend(out, _bounce(y0 + vy * t, h - 2 * r - 2), _bounce(x0 + vx * t, w - 2 * r - 2))
        bar = max(2, h // 90 // 2 * 2)
        length = max(2, round(w * (i + 1) / self.frames) // 2 * 2)
        for k, (plane, value) in enumerate(zip(out.planes, self._bar, strict=True)):
            scale = 1 if k == 0 else 2
            plane[(h - bar) // scale :, : length // scale] = value
        return out.buffer
