"""A small MP4 writer in the standard library, for the emulator's plain clips.

`write_mp4(video, audio)` lays out already-encoded samples as an ISO BMFF file: `ftyp`,
then `moov` (one H.264 video track and, when given, one AAC track, each with its stts,
stss, stsc, stsz and stco tables), then `mdat` with the samples interleaved one second
at a time. The moov comes before the mdat (what ffmpeg calls `+faststart`), so a
browser can start playing before the whole file has arrived. Chunk offsets are 32-bit:
plain clips are far below 4 GB.
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

MOVIE_TIMESCALE = 1000
UNITY_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
LANGUAGE_UND = 0x55C4  # "und", packed as three 5-bit letters
FTYP_BRANDS = (b"isom", b"iso2", b"avc1", b"mp41")


@dataclass(frozen=True)
class VideoTrack:
    """H.264 samples (length-prefixed NAL units, as MP4 stores them) at a constant rate."""

    width: int
    height: int
    fps: int
    avcc: bytes
    """The AVCDecoderConfigurationRecord: profile, level, SPS and PPS."""
    samples: Sequence[bytes]
    keyframes: Sequence[int]
    """Indexes (from 0) of the samples a decoder can start at (IDR frames)."""

    @property
    def timescale(self) -> int:
        return self.fps * 512

    @property
    def duration(self) -> int:
        """In the track's timescale."""
        return len(self.samples) * 512


@dataclass(frozen=True)
class AudioTrack:
    """AAC frames of `frame_samples` samples each; the last one may be cut short so that
    the track lasts exactly `length` samples."""

    sample_rate: int
    channels: int
    config: bytes
    """The AudioSpecificConfig (object type, rate and channels)."""
    samples: Sequence[bytes]
    length: int
    frame_samples: int = 1024

    def __post_init__(self) -> None:
        if not 0 < self.length - (len(self.samples) - 1) * self.frame_samples <= self.frame_samples:
            raise ValueError(f"{len(self.samples)} AAC frames cannot last {self.length} samples")


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    """(count, value) for each run of equal values."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and runs[-1][1] == value:
            runs[-1] = (runs[-1][0] + 1, value)
        else:
            runs.append((1, value))
    return runs


def _sample_tables(
    sizes: Sequence[int], deltas: Sequence[int], per_chunk: Sequence[int], offsets: Sequence[int]
) -> list[bytes]:
    """The stts, stsc, stsz and stco boxes of one track."""
    stts = [struct.pack(">II", count, delta) for count, delta in _runs(deltas)]
    stsc: list[bytes] = []
    first = 1
    for count, samples in _runs(per_chunk):
        stsc.append(struct.pack(">III", first, samples, 1))
        first += count
    if len(set(sizes)) == 1:
        stsz = struct.pack(">II", sizes[0], len(sizes))
    else:
        stsz = struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes)
    return [
        full_box(b"stts", 0, 0, struct.pack(">I", len(stts)), *stts),
        full_box(b"stsc", 0, 0, struct.pack(">I", len(stsc)), *stsc),
        full_box(b"stsz", 0, 0, stsz),
        full_box(b"stco", 0, 0, struct.pack(f">I{len(offsets)}I", len(offsets), *offsets)),
    ]


def _descriptor(tag: int, payload: bytes) -> bytes:
    """An MPEG-4 descriptor with its size in the 4-byte expandable form."""
    size = len(payload)
    length = bytes([0x80 | (size >> 21) & 0x7F, 0x80 | (size >> 14) & 0x7F, 0x80 | (size >> 7) & 0x7F])
    return bytes([tag]) + length + bytes([size & 0x7F]) + payload


def _esds(audio: AudioTrack, seconds: float) -> bytes:
    total = sum(len(s) for s in audio.samples)
    average = round(total * 8 / seconds) if seconds else 0
    config = _descriptor(
        0x04,
        bytes([0x40, 0x15])  # MPEG-4 audio; an audio stream
        + max(map(len, audio.samples)).to_bytes(3, "big")
        + struct.pack(">II", average, average)
        + _descriptor(0x05, audio.config),
    )
    return full_box(
        b"esds", 0, 0, _descriptor(0x03, struct.pack(">HB", 0, 0) + config + _descriptor(0x06, b"\x02"))
    )


def _avc1(video: VideoTrack) -> bytes:
    name = b"seedance emulator"
    return box(
        b"avc1",
        bytes(6),
        struct.pack(">H", 1),  # data_reference_index
        bytes(16),
        struct.pack(">HHIIIH", video.width, video.height, 0x00480000, 0x00480000, 0, 1),
        bytes([len(name)]) + name.ljust(31, b"\0"),
        struct.pack(">Hh", 0x0018, -1),
        box(b"avcC", video.avcc),
    )


def _mp4a(audio: AudioTrack, seconds: float) -> bytes:
    return box(
        b"mp4a",
        bytes(6),
        struct.pack(">H", 1),
        bytes(8),
        struct.pack(">HHHHI", audio.channels, 16, 0, 0, audio.sample_rate << 16),
        _esds(audio, seconds),
    )


def _trak(track_id: int, handler: bytes, *, timescale: int, duration: int, size: bytes, stbl: bytes) -> bytes:
    """A track: `duration` in its own `timescale`; `size` is tkhd's width and height."""
    video = handler == b"vide"
    movie_duration = round(duration * MOVIE_TIMESCALE / timescale)
    tkhd = full_box(
        b"tkhd",
        0,
        3,  # enabled, in the movie
        struct.pack(">IIIII", 0, 0, track_id, 0, movie_duration),
        bytes(8),
        struct.pack(">hhhH", 0, 0, 0 if video else 0x0100, 0),
        UNITY_MATRIX,
        size,
    )
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, LANGUAGE_UND, 0))
    name = b"VideoHandler\0" if video else b"SoundHandler\0"
    hdlr = full_box(b"hdlr", 0, 0, struct.pack(">I4s", 0, handler), bytes(12), name)
    media_header = full_box(b"vmhd", 0, 1, bytes(8)) if video else full_box(b"smhd", 0, 0, bytes(4))
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    minf = box(b"minf", media_header, dinf, stbl)
    return box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))


def _chunks(count: int, per_second: float, seconds: int) -> list[int]:
    """How many of `count` samples fall in each second (the last takes any rest)."""
    bounds = [min(count, math.ceil(i * per_second)) for i in range(seconds)] + [count]
    return [b - a for a, b in itertools.pairwise(bounds)]


def _split(samples: Sequence[bytes], counts: Sequence[int]) -> list[Sequence[bytes]]:
    chunks, at = [], 0
    for count in counts:
        chunks.append(samples[at : at + count])
        at += count
    return chunks


def _video_trak(video: VideoTrack, counts: Sequence[int], offsets: Sequence[int]) -> bytes:
    keys = [k + 1 for k in video.keyframes]
    stss = full_box(b"stss", 0, 0, struct.pack(f">I{len(keys)}I", len(keys), *keys))
    sizes = [len(s) for s in video.samples]
    stts, *rest = _sample_tables(sizes, [512] * len(sizes), counts, offsets)
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), _avc1(video))
    stbl = box(b"stbl", stsd, stts, stss, *rest)
    size = struct.pack(">II", video.width << 16, video.height << 16)
    return _trak(1, b"vide", timescale=video.timescale, duration=video.duration, size=size, stbl=stbl)


def _audio_trak(audio: AudioTrack, counts: Sequence[int], offsets: Sequence[int]) -> bytes:
    frames = len(audio.samples)
    deltas = [audio.frame_samples] * (frames - 1) + [audio.length - (frames - 1) * audio.frame_samples]
    seconds = audio.length / audio.sample_rate
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), _mp4a(audio, seconds))
    stbl = box(b"stbl", stsd, *_sample_tables([len(s) for s in audio.samples], deltas, counts, offsets))
    return _trak(2, b"soun", timescale=audio.sample_rate, duration=audio.length, size=bytes(8), stbl=stbl)


def write_mp4(video: VideoTrack, audio: AudioTrack | None = None) -> bytes:
    """The MP4 file of `video` (and `audio`), moov first, one chunk per track per second."""
    seconds = max(1, math.ceil(len(video.samples) / video.fps))
    video_counts = _chunks(len(video.samples), video.fps, seconds)
    audio_counts = (
        _chunks(len(audio.samples), audio.sample_rate / audio.frame_samples, seconds) if audio else []
    )
    # mdat holds second after second: that second's video chunk, then its audio chunk.
    video_chunks = _split(video.samples, video_counts)
    audio_chunks = _split(audio.samples, audio_counts) if audio else [() for _ in video_chunks]
    chunks = list(zip(video_chunks, audio_chunks, strict=True))
    length = max(video.duration / video.timescale, audio.length / audio.sample_rate if audio else 0.0)

    def moov(base: int) -> bytes:
        """The moov for sample data starting at file offset `base`."""
        video_offsets, audio_offsets, at = [], [], base
        for video_chunk, audio_chunk in chunks:
            video_offsets.append(at)
            at += sum(map(len, video_chunk))
            audio_offsets.append(at)
            at += sum(map(len, audio_chunk))
        traks = [_video_trak(video, video_counts, video_offsets)]
        if audio is not None:
            traks.append(_audio_trak(audio, audio_counts, audio_offsets))
        mvhd = full_box(
            b"mvhd",
            0,
            0,
            struct.pack(">IIII", 0, 0, MOVIE_TIMESCALE, round(length * MOVIE_TIMESCALE)),
            struct.pack(">IH", 0x00010000, 0x0100),  # rate 1.0, volume 1.0
            bytes(10),
            UNITY_MATRIX,
            bytes(24),
            struct.pack(">I", len(traks) + 1),  # next track id
        )
        return box(b"moov", mvhd, *traks)

    ftyp = box(b"ftyp", b"isom", struct.pack(">I", 512), *FTYP_BRANDS)
    header = len(ftyp) + len(moov(0)) + 8  # the stco tables keep their size whatever the offsets
    data = [sample for video_chunk, audio_chunk in chunks for sample in (*video_chunk, *audio_chunk)]
    size = sum(map(len, data))
    return b"".join([ftyp, moov(header), struct.pack(">I4s", 8 + size, b"mdat"), *data])
