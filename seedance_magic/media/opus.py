"""An Opus-sound copy of an MP4, for players that decode H.264 but not AAC (VS Code's
notebook player): the video packets are copied as they are (no decoding, no loss, the
same frames at the same times), the sound is decoded and encoded again as Opus, which
every Chromium plays. The copy is made in memory, for embedding.

Needs the `video` extra (av), imported on first use.
"""

from __future__ import annotations

import io
import os
from typing import Any

from ..errors import require_video_extra

OPUS_RATE = 48_000  # Opus encodes at 48 kHz (the other rates it takes are lower)
OPUS_BITRATE = 96_000


def _encode(encoder: Any, frame: Any, container: Any, stream: Any) -> None:
    for packet in encoder.encode(frame):
        packet.stream = stream
        container.mux(packet)


def opus_copy(source: str | os.PathLike[str] | bytes) -> bytes:
    """The MP4 at `source` (a path or its bytes) with its sound as Opus and its video
    copied packet for packet; a file without sound, or whose sound is already Opus, comes
    back unchanged. Raises ValueError when the file cannot be read."""
    require_video_extra("Making an Opus copy of a video")
    import av

    data = bytes(source) if isinstance(source, (bytes, bytearray)) else None
    if data is None:
        with open(os.fspath(source), "rb") as file:
            data = file.read()
    try:
        with av.open(io.BytesIO(data)) as original:
            audio_in = original.streams.audio[0] if original.streams.audio else None
            if audio_in is None or audio_in.codec_context.name == "opus" or not original.streams.video:
                return data
            return _copy(original, audio_in)
    except av.FFmpegError as exc:
        raise ValueError(f"not a readable video: {exc}") from exc


def _copy(original: Any, audio_in: Any) -> bytes:
    import av

    video_in = original.streams.video[0]
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as copy:
        video_out = copy.add_stream_from_template(video_in)
        layout = audio_in.codec_context.layout.name if audio_in.codec_context.layout else "stereo"
        audio_out: Any = copy.add_stream("libopus", rate=OPUS_RATE)
        audio_out.layout = "mono" if layout == "mono" else "stereo"
        audio_out.bit_rate = OPUS_BITRATE
        resampler = av.AudioResampler(format="flt", layout=audio_out.layout.name, rate=OPUS_RATE)
        for packet in original.demux(video_in, audio_in):
            if packet.stream is video_in:
                if packet.dts is None:  # the demuxer's flush packet
                    continue
                packet.stream = video_out
                copy.mux(packet)
                continue
            for frame in packet.decode():
                frame.pts = None  # the resampler and encoder count samples themselves
                for resampled in resampler.resample(frame):
                    _encode(audio_out, resampled, copy, audio_out)
        for resampled in resampler.resample(None):
            _encode(audio_out, resampled, copy, audio_out)
        _encode(audio_out, None, copy, audio_out)
    return out.getvalue()
