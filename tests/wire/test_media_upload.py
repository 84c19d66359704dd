"""upload_inputs against the emulator over loopback through the real fal_client upload
path: parallel uploads, the upload cache by content digest and target, retries, and a
job that starts from an uploaded image. A counting fake stands at the Uploader seam
only for what the emulator cannot show (how many uploads are in flight at once)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import pytest
from PIL import Image

from seedance_magic import errors
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.backends.fal import FalBackend
from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.engine.runtime import Runtime
from seedance_magic.media.inputs import read_item, resolve_inputs
from seedance_magic.media.upload import SharedUpload, UploadCache, upload_inputs
from seedance_magic.media.video import first_frame
from seedance_magic.settings import Target
from seedance_magic.spec import plan
from seedance_magic.spec.formats import amount
from seedance_magic.spec.inputs import Inputs
from seedance_magic.spec.request import GenerationRequest
from seedance_magic.store.journal import Journal

from helpers.files import mp4, png, png_bytes, wav

T = TypeVar("T")
Lines = list[tuple[str, str]]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "uploads.sqlite3")


@pytest.fixture
def three(tmp_path: Path) -> Inputs:
    """A PNG, a 720x720 2 s MP4 and a 1 s WAV as references, resolved."""
    png(tmp_path / "cat.png", (96, 64))
    mp4(tmp_path / "walk.mp4", 720, 720, 2.0)
    wav(tmp_path / "line.wav", 1.0)
    return resolve_inputs(three_request())


def three_request(**options: Any) -> GenerationRequest:
    return GenerationRequest(
        prompt="@Image1 walks like @Video1 saying @Audio1",
        mode="r2v",
        ref_images=("cat.png",),
        ref_videos=("walk.mp4",),
        ref_audios=("line.wav",),
        **options,
    )


async def upload(
    emulator: Emulator,
    inputs: Inputs,
    journal: UploadCache | None,
    target: str | None = None,
    lines: Lines | None = None,
    **options: Any,
) -> dict[str, Any]:
    backend = FalBackend(Target(emulator.url, emulated=True, key="dummy:key"))
    progress = None if lines is None else (lambda name, status: lines.append((name, status)))
    try:
        return await upload_inputs(
            inputs, backend, journal, target or emulator.url, progress=progress, **options
        )
    finally:
        await backend.aclose()


def uploads(emulator: Emulator) -> int:
    return emulator.stats.count("upload")


def test_parallel_uploads_arrive_and_read_back(emulator: Emulator, three: Inputs, journal: Journal) -> None:
    lines: Lines = []
    urls = run(upload(emulator, three, journal, lines=lines))
    assert set(urls) == {"image_urls", "video_urls", "audio_urls"}
    assert all(len(v) == 1 and v[0].startswith(emulator.url + "/files/") for v in urls.values())
    records = {r.file_name: r for r in emulator.stats.uploads}
    assert {name: r.content_type for name, r in records.items()} == {
        "cat.png": "image/png",
        "walk.mp4": "video/mp4",
        "line.wav": "audio/wav",
    }
    assert all(r.via == "fal_v3" for r in records.values())  # never the storage fallback
    for item in three:
        (url,) = urls[item.field]
        assert httpx.get(url).content == read_item(item)
    assert {status for _, status in lines if not status.startswith("uploaded")} == {"uploading"}
    assert ("walk.mp4", f"uploaded {amount(three.items[1].size or 0)}") in lines
    assert journal.upload_url(three.items[0].digest or "", emulator.url) == urls["image_urls"][0]


def test_a_second_run_uploads_nothing(emulator: Emulator, three: Inputs, journal: Journal) -> None:
    first = run(upload(emulator, three, journal))
    before = uploads(emulator)
    lines: Lines = []
    assert run(upload(emulator, three, journal, lines=lines)) == first
    assert uploads(emulator) == before == 3
    assert sorted(lines) == [("cat.png", "cached"), ("line.wav", "cached"), ("walk.mp4", "cached")]


def test_another_target_uploads_again(emulator: Emulator, three: Inputs, journal: Journal) -> None:
    run(upload(emulator, three, journal))
    run(upload(emulator, three, journal, target="another-server"))
    assert uploads(emulator) == 6
    assert Target(None).upload_scope == "fal" and Target(emulator.url).upload_scope == emulator.url


def test_identical_content_goes_up_once(emulator: Emulator, tmp_path: Path, journal: Journal) -> None:
    png(tmp_path / "a.png")
    (tmp_path / "copy.png").write_bytes((tmp_path / "a.png").read_bytes())
    request = GenerationRequest(prompt="@Image1 @Image2", mode="r2v", ref_images=("a.png", "copy.png"))
    lines: Lines = []
    urls = run(upload(emulator, resolve_inputs(request), journal, lines=lines))
    assert uploads(emulator) == 1 and urls["image_urls"][0] == urls["image_urls"][1]
    assert {name for name, _ in lines} == {"a.png", "copy.png"}


def test_objects_and_data_uris_go_up_as_bytes_and_urls_pass_through(emulator: Emulator) -> None:
    import base64

    uri = "data:image/png;base64," + base64.b64encode(png_bytes((8, 8))).decode()
    request = GenerationRequest(
        prompt="@Image1 @Image2 @Image3 @Image4",
        mode="r2v",
        ref_images=(
            uri,
            Image.new("RGB", (9, 9)),
            np.zeros((10, 10, 3), np.uint8),
            "https://example.com/x.png",
        ),
    )
    inputs = resolve_inputs(request)
    urls = run(upload(emulator, inputs, None))
    assert uploads(emulator) == 3 and urls["image_urls"][3] == "https://example.com/x.png"
    assert not any(u.startswith("data:") for u in urls["image_urls"])
    assert [r.file_name for r in emulator.stats.uploads] == ["image.png"] * 3
    assert inputs.names_for(urls)["image_urls"] == urls["image_urls"]  # objects reproduce by URL


def test_a_503_is_retried(emulator: Emulator, three: Inputs, journal: Journal) -> None:
    emulator.inject(Fault(on="upload", action="503", times=2))
    lines: Lines = []
    urls = run(upload(emulator, three, journal, lines=lines, concurrency=1, backoff=0.01))
    assert uploads(emulator) == 5 and len(emulator.stats.uploads) == 3
    assert ("cat.png", "uploading (attempt 3 of 3)") in lines
    assert httpx.get(urls["image_urls"][0]).content == read_item(three.items[0])


def test_failing_uploads_give_up_and_the_others_finish(
    emulator: Emulator, three: Inputs, journal: Journal
) -> None:
    emulator.inject(Fault(on="upload", action="503", times=3))
    lines: Lines = []
    with pytest.raises(errors.Unavailable):
        run(upload(emulator, three, journal, lines=lines, concurrency=1, backoff=0.01))
    failed = [(name, status) for name, status in lines if status.startswith("failed: ")]
    assert [name for name, _ in failed] == ["cat.png"] and "503" in failed[0][1]
    assert journal.upload_url(three.items[0].digest or "", emulator.url) is None
    assert journal.upload_url(three.items[1].digest or "", emulator.url) is not None
    run(upload(emulator, three, journal))  # the re-run sends only the one that failed
    assert len(emulator.stats.uploads) == 3


def test_a_refused_upload_is_not_retried(emulator: Emulator, three: Inputs, journal: Journal) -> None:
    emulator.inject(Fault(on="upload", action="400", times=None))
    with pytest.raises(errors.Rejected):
        run(upload(emulator, three, journal, backoff=0.01))
    assert uploads(emulator) == 3


def test_a_file_changed_after_the_check_is_not_sent(
    emulator: Emulator, three: Inputs, journal: Journal, tmp_path: Path
) -> None:
    png(tmp_path / "cat.png", (96, 64), color="blue")
    with pytest.raises(
        errors.InvalidRequest, match=r"^--ref-image cat.png: the file changed after it was checked"
    ):
        run(upload(emulator, three, journal))
    assert journal.upload_url(three.items[0].digest or "", emulator.url) is None


class SlowUploader:
    """Counts the uploads in flight at once."""

    def __init__(self) -> None:
        self.active = self.most = self.calls = 0

    async def upload(self, data: bytes, content_type: str, file_name: str) -> str:
        self.calls += 1
        self.active += 1
        self.most = max(self.most, self.active)
        await asyncio.sleep(0.02)
        self.active -= 1
        return f"https://cdn.test/{file_name}"


@pytest.mark.parametrize(("concurrency", "most"), [(1, 1), (2, 2), (4, 4), (8, 6)])
def test_concurrency(concurrency: int, most: int) -> None:
    images = tuple(png_bytes((4, 4 + n)) for n in range(6))
    request = GenerationRequest(
        prompt=" ".join(f"@Image{n}" for n in range(1, 7)), mode="r2v", ref_images=images
    )
    uploader = SlowUploader()
    run(upload_inputs(resolve_inputs(request), uploader, None, "fal", concurrency=concurrency))
    assert (uploader.calls, uploader.most) == (6, most)


def test_shared_upload_serves_several_jobs(emulator: Emulator, three: Inputs, journal: Journal) -> None:
    shared = SharedUpload(three, journal, emulator.url)
    seen: dict[str, Lines] = {"a": [], "b": []}

    async def main() -> list[dict[str, Any]]:
        backend = FalBackend(Target(emulator.url, emulated=True, key="dummy:key"))
        try:
            return list(
                await asyncio.gather(
                    *(shared.urls(backend, lambda n, s, key=key: seen[key].append((n, s))) for key in seen)
                )
            )
        finally:
            await backend.aclose()

    first, second = run(main())
    assert first == second and uploads(emulator) == 3
    assert {n for n, s in seen["b"] if s.startswith("uploaded")} == {"cat.png", "walk.mp4", "line.wav"}


@pytest.mark.slow
def test_image_to_video_starts_from_the_uploaded_image(runtime: Runtime, tmp_path: Path) -> None:
    Image.new("RGB", (640, 360), (220, 30, 30)).save(tmp_path / "red.png")
    request = GenerationRequest(
        prompt="the red wall", mode="i2v", image="red.png", resolution="480p", duration="4"
    )
    inputs = resolve_inputs(request)
    target = runtime.target()
    spec = JobSpec(
        request.endpoint.id,
        plan.arguments(request),
        plan.estimate(request),
        cache_key=None,
        inputs=tuple(inputs.thumbnails()),
        uploads=inputs,
    )
    job = Job(spec, runtime, target=target).start()
    result = job.wait(timeout=60)
    assert job.status is State.COMPLETED and result.path is not None
    assert job.snapshot.uploads == (f"red.png: uploaded {amount(inputs.items[0].size or 0)}",)
    frame = first_frame(result.path)
    middle = frame[
        frame.shape[0] // 4 : 3 * frame.shape[0] // 4, frame.shape[1] // 4 : 3 * frame.shape[1] // 4
    ]
    red, green, blue = middle.reshape(-1, 3).mean(axis=0)
    assert red > 150 and green < 90 and blue < 90


@pytest.mark.slow
def test_reference_to_video_reads_every_uploaded_reference(runtime: Runtime, three: Inputs) -> None:
    request = three_request(resolution="480p", duration="4")
    estimate = plan.estimate(request, three.input_video_seconds)
    spec = JobSpec(request.endpoint.id, plan.arguments(request), estimate, uploads=three)
    job = Job(spec, runtime).start()
    job.wait(timeout=60)
    messages = [str(log.get("message")) for log in job.snapshot.logs]
    assert job.status is State.COMPLETED and messages
    assert not [m for m in messages if "placeholder" in m or "Could not" in m]
    assert len(job.snapshot.uploads) == 3
