"""The still pictures of an emulator clip, drawn once with Pillow: input images decoded
and fitted, the banner panel (what the clip is, seed, size, prompt) and the sheet of
reference tiles. frames.py turns them into moving video.
"""

from __future__ import annotations

import io
import math
import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PIL import Image, ImageFont

    from .clip import Media, RenderSpec

TEXT = (235, 235, 235)
ACCENT = (160, 255, 190)


def decode_image(data: bytes | None) -> Image.Image | None:
    """The RGB image in `data` (an image, or a video's first frame), or None."""
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


def fit_cover(image: Image.Image, width: int, height: int) -> NDArray[np.uint8]:
    """`image` scaled to cover width x height and centre-cropped, as an (h, w, 3) array."""
    import numpy as np
    from PIL import Image

    scale = max(width / image.width, height / image.height)
    w, h = max(width, round(image.width * scale)), max(height, round(image.height * scale))
    resized = image.resize((w, h), Image.Resampling.BILINEAR)
    left, top = (w - width) // 2, (h - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)), dtype=np.uint8)


def font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's default font at `px` pixels (its small bitmap font on Pillow < 10.1)."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=max(8, px))
    except TypeError:
        return ImageFont.load_default()


def banner(spec: RenderSpec, compact: bool) -> tuple[Image.Image, int, int]:
    """The RGBA panel naming the clip an emulator clip, with its seed, size and prompt,
    and where it goes (y, x). `compact` (over a start image) keeps it small."""
    from PIL import Image, ImageDraw

    w, h = spec.width, spec.height
    unit = min(w, h)
    big, small = font(round(unit / (16 if compact else 11))), font(round(unit / (34 if compact else 26)))
    lines: list[tuple[str, Any, tuple[int, int, int]]] = [("SEEDANCE EMULATOR", big, (255, 214, 64))]
    lines.append((f"seed {spec.seed} · {w}x{h} · {spec.duration} s · {spec.label}", small, TEXT))
    chars = max(20, int(w * 0.85 / (getattr(small, "size", 11) * 0.55)))
    prompt = textwrap.wrap(spec.prompt.strip().replace("\n", " "), chars)
    shown = prompt[: 1 if compact else 3] or [""]
    if len(prompt) > len(shown):
        shown[-1] = shown[-1][: chars - 1] + "…"
    shown[0] = "“" + shown[0]
    shown[-1] += "”"
    lines += [(line, small, (210, 230, 255)) for line in shown]
    if spec.references:
        lines.append(("  ".join(m.label for m in spec.references), small, ACCENT))
    pad = max(4, unit // 60)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    heights = [math.ceil(measure.textbbox((0, 0), t, font=f)[3]) for t, f, _ in lines]
    widest = max(math.ceil(measure.textbbox((0, 0), t, font=f)[2]) for t, f, _ in lines)
    size = (min(w - 2 * pad, widest + 2 * pad), sum(heights) + len(lines) * (pad // 2) + 2 * pad)
    panel = Image.new("RGBA", size, (12, 12, 20, 160))
    draw = ImageDraw.Draw(panel)
    y = pad
    for (text, f, colour), height in zip(lines, heights, strict=True):
        draw.text((pad, y), text, font=f, fill=(*colour, 255))
        y += height + pad // 2
    return panel, pad, pad


def _tile(media: Media, tw: int, th: int) -> Image.Image:
    from PIL import Image, ImageDraw

    picture = decode_image(media.data) if media.kind != "audio" else None
    if picture is not None:
        tile = Image.fromarray(fit_cover(picture, tw, th)).convert("RGBA")
        draw = ImageDraw.Draw(tile)
    else:
        tile = Image.new("RGBA", (tw, th), (60, 60, 72, 255))
        draw = ImageDraw.Draw(tile)
        if media.kind == "audio" and media.data is not None:
            wave = [
                (x, th * (0.6 + 0.15 * math.sin(x / tw * 6 * math.pi) * math.sin(x / tw * math.pi)))
                for x in range(tw)
            ]
            draw.line(wave, fill=(*ACCENT, 255), width=2)
        note = "not fetched" if media.data is None else "audio" if media.kind == "audio" else "unreadable"
        draw.text((6, th // 2 - th // 8), note, font=font(max(10, th // 8)), fill=(*TEXT, 255))
    label_font = font(max(10, th // 7))
    box = draw.textbbox((0, 0), media.label, font=label_font)
    draw.rectangle((0, 0, box[2] + 8, box[3] + 6), fill=(0, 0, 0, 180))
    draw.text((4, 2), media.label, font=label_font, fill=(*ACCENT, 255))
    draw.rectangle((0, 0, tw - 1, th - 1), outline=(255, 255, 255, 220), width=2)
    return tile


def tile_sheet(spec: RenderSpec) -> tuple[Image.Image, int, int] | None:
    """The reference inputs as a grid of labelled tiles, with where it goes (y, x) in the
    lower part of the frame; None without references or in a frame too small for tiles."""
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
    if th < 12:
        return None
    sheet = Image.new("RGBA", (cols * tw + (cols - 1) * gap, rows * th + (rows - 1) * gap), (0, 0, 0, 0))
    for i, media in enumerate(refs):
        r, c = divmod(i, cols)
        sheet.paste(_tile(media, tw, th), (c * (tw + gap), r * (th + gap)))
    return sheet, h - sheet.height - 3 * gap, (w - sheet.width) // 2
