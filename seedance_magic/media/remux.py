"""Joining clips whose streams match by copying their packets: no decoding, no encoding.

Video: each clip's H.264 packets keep their order and spacing; their pts and dts are
shifted so the clip starts where the previous one ended (the end being the latest
pts + duration of its packets). The result shows every frame of every clip, once.

Audio: an AAC clip starts with a priming packet (the encoder's warm-up, which an edit list
tells players to skip) and ends on a packet that is partly padding. Only the film's first
priming packet is kept (the output gets the same edit list); later clips' priming packets
are dropped, so there is no silent gap at a cut. The kept packets are laid end to end at
the length a decoder makes of each (1024 samples for AAC), so the timestamps in the file
are the samples players hear. At the end of each clip, its last packets are kept or
dropped so the next clip's sound starts as close as possible to its picture: the sound is
never more than half an AAC frame (about 11 ms at 48 kHz) off the picture, and that error
does not add up over the cuts. The film's last packet keeps its own (short) duration, so
the film's sound ends with its picture.

When something cannot be copied safely (a clip not starting on a keyframe, timestamps
that would run backwards, a clip whose sound is much shorter than its picture), `remux`
raises CannotRemux and the caller re-encodes instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest
from .clips import Clip

MP4_OPTIONS = {"movflags": "+faststart"}
"""moov in front, so that a browser starts playing before it has the whole file."""


class CannotRemux(Exception):
    """The clips cannot be joined by copying packets; the message says why."""


class VideoJoin:
    """Places each clip's video packets right after the previous clip's."""

    def __init__(self, frame_units: int) -> None:
        self.frame_units = max(1, frame_units)
        self.end = 0
        self.last_dts: int | None = None

    def place(self, packets: Sequence[Any], name: str) -> None:
        """Shift `packets` (one clip's, in decode order) to start at `self.end`."""
        if not packets:
            raise CannotRemux(f"{name} has no video packets")
        if not packets[0].is_keyframe:
            raise CannotRemux(f"{name} does not start on a keyframe")
        start = min(p.pts for p in packets)
        stop = max(p.pts + (p.duration or self.frame_units) for p in packets)
        shift = self.end - start
        for packet in packets:
            packet.pts += shift
            packet.dts += shift
            if not packet.duration:
                packet.duration = self.frame_units
            if self.last_dts is not None and packet.dts <= self.last_dts:
                raise CannotRemux(f"the video timestamps of {name} would run backwards")
            self.last_dts = packet.dts
        self.end += stop - start


class AudioJoin:
    """Lays each clip's audio packets end to end, starting each clip next to its picture."""

    def __init__(self, frame_size: int, tolerance: int, time_base: Fraction) -> None:
        self.frame_size = frame_size
        self.tolerance = tolerance
        self.time_base = time_base
        self.write: int | None = None

    def _length(self, packet: Any) -> int:
        return self.frame_size or int(packet.duration)

    def place(self, packets: Sequence[Any], start: int, end: int | None, name: str) -> list[Any]:
        """Keep and retime one clip's audio packets. `start` is where the clip's picture
        starts in the film and `end` where the next clip's starts (None for the last clip),
        both in the audio time base; packet pts are relative to the clip's picture start."""
        if self.write is None:
            kept = list(packets)
            self.write = start + (kept[0].pts if kept else 0)
        else:
            kept = [p for p in packets if p.pts + self._length(p) > 0]
        if end is not None and kept:
            lengths = [self._length(p) for p in kept]
            wanted = round((end - self.write) / (sum(lengths) / len(lengths)))
            kept = kept[: max(0, min(len(kept), wanted))]
        for index, packet in enumerate(kept):
            last_of_film = end is None and index == len(kept) - 1
            length = int(packet.duration) if last_of_film and packet.duration else self._length(packet)
            packet.pts = packet.dts = self.write
            packet.duration = length
            self.write += length
        if end is not None and abs(self.write - end) > self.tolerance:
            gap = float(abs(self.write - end) * self.time_base)
            longer = "longer" if self.write > end else "shorter"
            raise CannotRemux(f"the sound of {name} is {gap:.2f} s {longer} than its picture")
        return kept


def _demux(path: Path, want_audio: bool) -> tuple[list[Any], list[Any]]:
    import av

    try:
        with av.open(os.fspath(path)) as src:
            streams = [src.streams.video[0]]
            if want_audio:
                streams.append(src.streams.audio[0])
            video: list[Any] = []
            audio: list[Any] = []
            for packet in src.demux(streams):
                if packet.size == 0 or packet.pts is None or packet.dts is None:
                    continue
                (video if packet.stream.type == "video" else audio).append(packet)
    except av.FFmpegError as exc:
        raise InvalidRequest(f"Cannot stitch {path}: not a readable video ({exc.strerror or exc})") from None
    return video, audio


def remux(clips: Sequence[Clip], part: Path) -> list[Fraction]:
    """Write the clips, joined, to `part` (an MP4) and return the cut points in seconds:
    each clip's start in the film, then the film's end. The clips' streams must match
    (clips.mismatch returned "")."""
    import av

    first = clips[0]
    v_tb = first.video.time_base
    frame_units = round(1 / (first.video.rate * v_tb))
    video = VideoJoin(frame_units)
    audio: AudioJoin | None = None
    a_tb = Fraction(1)
    if first.audio is not None:
        a_tb = first.audio.time_base
        tolerance = round((Fraction(1, 2) * first.audio.frame_size / first.audio.sample_rate) / a_tb)
        audio = AudioJoin(first.audio.frame_size, tolerance + round(frame_units * v_tb / a_tb), a_tb)
    offsets: list[Fraction] = []
    with ExitStack() as stack:
        template = stack.enter_context(av.open(os.fspath(first.path)))
        out = stack.enter_context(av.open(os.fspath(part), mode="w", format="mp4", options=MP4_OPTIONS))
        v_out = out.add_stream_from_template(template.streams.video[0])
        a_out = out.add_stream_from_template(template.streams.audio[0]) if audio is not None else None
        for index, clip in enumerate(clips):
            name = f"clip {index + 1} ({clip.path.name})"
            v_packets, a_packets = _demux(clip.path, audio is not None)
            origin = min((p.pts for p in v_packets), default=0) * v_tb
            offsets.append(video.end * v_tb)
            video.place(v_packets, name)
            placed = [(p.dts * v_tb, p, v_out) for p in v_packets]
            if audio is not None:
                shift = round(origin / a_tb)
                for packet in a_packets:
                    packet.pts -= shift
                start = round(offsets[-1] / a_tb)
                end = round(video.end * v_tb / a_tb) if index < len(clips) - 1 else None
                kept = audio.place(a_packets, start, end, name)
                placed += [(p.dts * a_tb, p, a_out) for p in kept]
            placed.sort(key=lambda item: item[0])
            for _, packet, stream in placed:
                packet.stream = stream
                out.mux(packet)
    offsets.append(video.end * v_tb)
    return offsets
