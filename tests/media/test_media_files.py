"""The media file makers of helpers/files.py write what they say."""

from __future__ import annotations

from pathlib import Path

import av

from seedance_magic.media.probe import sniff
from seedance_magic.spec.endpoints import MB

from helpers.files import jpeg, mp3, mp4, pad_with_free_box, png, sparse, wav


def test_makers_write_what_they_say(tmp_path: Path) -> None:
    assert sniff(png(tmp_path / "a.png").read_bytes()[:64]) == "png"
    assert sniff(jpeg(tmp_path / "a.jpg").read_bytes()[:64]) == "jpeg"
    assert sniff(wav(tmp_path / "a.wav").read_bytes()[:64]) == "wav"
    assert sniff(mp3(tmp_path / "a.mp3").read_bytes()[:64]) == "mp3"
    clip = mp4(tmp_path / "a.mp4", 640, 640, 2.0)
    assert sniff(clip.read_bytes()[:64]) == "mp4"
    with av.open(str(clip)) as container:
        assert container.duration / 1_000_000 == 2.0
        assert container.streams.video[0].codec_context.width == 640


def test_free_box_padding_keeps_the_mp4_readable(tmp_path: Path) -> None:
    clip = pad_with_free_box(mp4(tmp_path / "a.mp4"), 2 * MB)
    assert clip.stat().st_size == 2 * MB
    with av.open(str(clip)) as container:
        assert len(list(container.decode(video=0))) == 4


def test_sparse_file_has_its_size_and_head(tmp_path: Path) -> None:
    path = sparse(tmp_path / "big.png", b"\x89PNG\r\n\x1a\n", 30 * MB + 1)
    assert path.stat().st_size == 30 * MB + 1
    assert sniff(path.read_bytes()[:64]) == "png"
