"""The picture of an emulator clip, as numpy layers built once per clip.

`Layers.frame(i)` composes frame i from precomputed parts: a moving background (a
seed-coloured gradient that scrolls, or the fitted start image fading into the end
image), a static overlay (the "SEEDANCE EMULATOR" banner, seed, size, prompt, reference
tiles) blended only inside its bounding box, a bouncing ball and a progress bar. No text
is drawn per frame. numpy and Pillow are imported by the caller (synth.py).
"""

from __future__ import annotations

import hashlib
import io
import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PIL import Image, ImageFont

    from .synth import Media, RenderSpec

    U8 = NDArray[np.uint8]

FPS = 24


def spec_rng(spec: RenderSpec) -> np.random.Generator:
    """A random generator fixed by (prompt, seed): the whole look of a clip comes from it."""
    import numpy as np

    digest = hashlib.sha256(f"{spec.seed}\x00{spec.prompt}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def decode_image(data: bytes | None) -> Image.Image | None:
    """The RGB image in `data`, or None when it is missing or not an image."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            rgb: Image.Image = img.convert("RGB")
            return rgb
    except (UnidentifiedImageError, OSError, ValueError):
        return video_first_frame(data)


def video_first_frame(data: bytes) -> Image.Image | None:
    import av

    try:
        with av.open(io.BytesIO(data)) as container:
            for frame in container.decode(video=0):
                image: Image.Image = frame.to_image()
                return image.convert("RGB")
    except (av.FFmpegError, ValueError, IndexError):
        return None
    return None


def fit_cover(image: Image.Image, width: int, height: int) -> U8:
    """`image` scaled to cover width x height and centre-cropped, as an (h, w, 3) array."""
    import numpy as np
    from PIL import Image

    scale = max(width / image.width, height / image.height)
    w, h = max(width, round(image.width * scale)), max(height, round(image.height * scale))
    resized = image.resize((w, h), Image.Resampling.BILINEAR)
    left, top = (w - width) // 2, (h - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)), dtype=np.uint8)


def font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=max(8, px))


def _colour(rng: np.random.Generator, light: float) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(float(rng.random()), 0.55 + 0.35 * float(rng.random()), light)
    return round(r * 255), round(g * 255), round(b * 255)


@dataclass
class _Patch:
    """A static RGBA patch, premultiplied, ready to blend at (y, x)."""

    y: int
    x: int
    premul: NDArray[np.uint16]
    inv_alpha: NDArray[np.uint16]

    @classmethod
    def from_rgba(cls, y: int, x: int, rgba: Any) -> _Patch:
        import numpy as np

        arr = np.asarray(rgba, dtype=np.uint16)
        alpha = arr[:, :, 3:4]
        alpha = alpha + (alpha >> 7)  # 0..255 -> 0..256, so an opaque pixel replaces the frame's
        return cls(y, x, arr[:, :, :3] * alpha, 256 - alpha)

    def blend(self, frame: U8, y: int | None = None, x: int | None = None) -> None:
        y = self.y if y is None else y
        x = self.x if x is None else x
        h, w = self.inv_alpha.shape[:2]
        region = frame[y : y + h, x : x + w]
        mixed = region * self.inv_alpha
        mixed += self.premul
        region[...] = mixed >> 8


def _overlay(spec: RenderSpec, rng: np.random.Generator, compact: bool) -> _Patch:
    """The banner panel: what this clip is, its seed, size and prompt."""
    from PIL import Image, ImageDraw

    w, h = spec.width, spec.height
    unit = min(w, h)
    big, small = font(round(unit / (16 if compact else 11))), font(round(unit / (34 if compact else 26)))
    lines: list[tuple[str, Any, tuple[int, int, int]]] = [("SEEDANCE EMULATOR", big, (255, 214, 64))]
    lines.append((f"seed {spec.seed} · {w}x{h} · {spec.duration} s · {spec.label}", small, (235, 235, 235)))
    chars = max(20, int(w * 0.85 / (small.size * 0.55))) if hasattr(small, "size") else 60
    prompt = textwrap.wrap(spec.prompt.strip().replace("\n", " "), chars)
    shown = prompt[: 1 if compact else 3] or [""]
    if len(prompt) > len(shown):
        shown[-1] = shown[-1][: chars - 1] + "…"
    shown[0] = "“" + shown[0]
    shown[-1] += "”"
    lines += [(line, small, (210, 230, 255)) for line in shown]
    if spec.references:
        lines.append(("  ".join(m.label for m in spec.references), small, (160, 255, 190)))
    pad = max(4, unit // 60)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    boxes = [measure.textbbox((0, 0), text, font=f) for text, f, _ in lines]
    heights = [math.ceil(box[3]) for box in boxes]
    width = min(w - 2 * pad, math.ceil(max(box[2] for box in boxes)) + 2 * pad)
    panel = Image.new("RGBA", (width, sum(heights) + len(lines) * (pad // 2) + 2 * pad), (12, 12, 20, 160))
    draw = ImageDraw.Draw(panel)
    y = pad
    for (text, f, colour), height in zip(lines, heights, strict=True):
        draw.text((pad, y), text, font=f, fill=(*colour, 255))
        y += height + pad // 2
    return _Patch.from_rgba(pad, pad, panel)


def _tile_image(media: Media, tw: int, th: int) -> Image.Image:
    from PIL import Image, ImageDraw

    picture = decode_image(media.data) if media.kind != "audio" else None
    if picture is not None:
        import numpy as np

        tile = Image.fromarray(np.ascontiguousarray(fit_cover(picture, tw, th))).convert("RGBA")
    else:
        tile = Image.new("RGBA", (tw, th), (60, 60, 72, 255))
        draw = ImageDraw.Draw(tile)
        if media.kind == "audio" and media.data is not None:
            wave = [
                (x, th * 0.6 + th * 0.15 * math.sin(x / tw * 6 * math.pi) * math.sin(x / tw * math.pi))
                for x in range(tw)
            ]
            draw.line(wave, fill=(160, 255, 190, 255), width=2)
        note = "not fetched" if media.data is None else "audio" if media.kind == "audio" else "unreadable"
        draw.text((6, th // 2 - th // 8), note, font=font(max(10, th // 8)), fill=(230, 230, 230, 255))
    draw = ImageDraw.Draw(tile)
    label_font = font(max(10, th // 7))
    box = draw.textbbox((0, 0), media.label, font=label_font)
    draw.rectangle((0, 0, box[2] + 8, box[3] + 6), fill=(0, 0, 0, 180))
    draw.text((4, 2), media.label, font=label_font, fill=(160, 255, 190, 255))
    draw.rectangle((0, 0, tw - 1, th - 1), outline=(255, 255, 255, 220), width=2)
    return tile


def _tiles(spec: RenderSpec) -> _Patch | None:
    """Reference inputs laid out as a grid of labelled tiles in the lower part of the frame."""
    from PIL import Image

    refs = spec.references
    if not refs:
        return None
    w, h = spec.width, spec.height
    cols = min(len(refs), 6 if w >= h else 3)
    rows = math.ceil(len(refs) / cols)
    gap = max(4, min(w, h) // 60)
    tw = min((w * 9 // 10 - gap * (cols - 1)) // cols, (h // 2 - gap * (rows - 1)) * 4 // 3 // rows)
    th = tw * 3 // 4
    sheet = Image.new("RGBA", (cols * tw + (cols - 1) * gap, rows * th + (rows - 1) * gap), (0, 0, 0, 0))
    for i, media in enumerate(refs):
        r, c = divmod(i, cols)
        sheet.paste(_tile_image(media, tw, th), (c * (tw + gap), r * (th + gap)))
    return _Patch.from_rgba(h - sheet.height - 3 * gap, (w - sheet.width) // 2, sheet)


def _gradient(spec: RenderSpec, rng: np.random.Generator) -> U8:
    """A background twice the frame width, periodic in x, to scroll through."""
    import numpy as np

    w, h = spec.width, spec.height
    a, b = np.array(_colour(rng, 0.85), np.float32), np.array(_colour(rng, 0.35), np.float32)
    tilt = 0.2 + 0.4 * float(rng.random())
    x = np.arange(2 * w, dtype=np.float32)[None, :] / w
    y = np.arange(h, dtype=np.float32)[:, None] / h
    mix = 0.5 + 0.5 * np.cos(2 * np.pi * (x + tilt * y))
    shade = 1.0 - 0.35 * y
    rgb = (a * mix[..., None] + b * (1 - mix[..., None])) * shade[..., None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _ball(radius: int, colour: tuple[int, int, int]) -> _Patch:
    import numpy as np

    d = 2 * radius + 1
    yy, xx = np.mgrid[0:d, 0:d].astype(np.float32) - radius
    alpha = np.clip(radius + 0.5 - np.hypot(xx, yy), 0, 1) * 255
    rgba = np.dstack([np.broadcast_to(np.array(colour, np.float32), (d, d, 3)), alpha]).astype(np.uint16)
    return _Patch.from_rgba(0, 0, rgba)


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
        self._start = fit_cover(start, w, h) if start is not None else None
        self._delta = (
            fit_cover(end, w, h).astype(np.float32) - self._start
            if end is not None and self._start is not None
            else None
        )
        self._gradient = _gradient(spec, rng) if self._start is None else None
        self._overlays = [p for p in (_overlay(spec, rng, self._start is not None), _tiles(spec)) if p]
        self._radius = max(6, min(w, h) // 18)
        self._ball = _ball(self._radius, _colour(rng, 1.0))
        self._ball_from = (float(rng.random()) * w, float(rng.random()) * h)
        angle = float(rng.random()) * 2 * math.pi
        speed = min(w, h) * (0.35 + 0.3 * float(rng.random()))
        self._ball_v = (math.cos(angle) * speed, math.sin(angle) * speed)
        self._bar = np.array(_colour(rng, 1.0), np.uint8)
        self._out = np.empty((h, w, 3), np.uint8)

    def frame(self, i: int) -> U8:
        import numpy as np

        spec, out = self.spec, self._out
        w, h = spec.width, spec.height
        t = i / FPS
        if self._start is None:
            assert self._gradient is not None
            offset = round(t * w / 4) % w
            np.copyto(out, self._gradient[:, offset : offset + w])
        else:
            fade = min(1.0, max(0.0, (t / spec.duration - 0.35) / 0.5)) if self._delta is not None else 0.0
            if fade > 0 and self._delta is not None:
                np.copyto(out, self._start + self._delta * fade, casting="unsafe")
            else:
                np.copyto(out, self._start)
            band = round((t / max(spec.duration, 1)) * 1.4 * w - 0.2 * w)
            lo, hi = max(0, band), min(w, band + w // 12)
            if hi > lo:
                lit = out[:, lo:hi].astype(np.uint16) + 48
                out[:, lo:hi] = np.minimum(lit, 255)
        for patch in self._overlays:
            patch.blend(out)
        r = self._radius
        x0, y0 = self._ball_from
        vx, vy = self._ball_v
        if self._start is not None:
            # The clip starts on the image: the ball enters from the bottom-right corner.
            x0, y0, vx, vy = w - 2 * r - 1, h - 2 * r - 1, -abs(vx), -abs(vy)
        self._ball.blend(out, _bounce(y0 + vy * t, h - 2 * r - 1), _bounce(x0 + vx * t, w - 2 * r - 1))
        bar = max(1, h // 90)
        out[h - bar :, : round(w * (i + 1) / self.frames)] = self._bar
        return out
