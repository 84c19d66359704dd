"""Grid expansion: seeds and sweeps into concrete requests, their order, captions, the
cell limit and the cost of the whole grid."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedance_magic.errors import InvalidRequest
from seedance_magic.spec import endpoints as ep
from seedance_magic.spec.grid import GridCell, expand, total_estimate
from seedance_magic.spec.grid import estimate as grid_estimate
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.plan import arguments, estimate
from seedance_magic.spec.request import GenerationRequest
from seedance_magic.spec.validation import check_arguments


def grid(line: str) -> list[GridCell]:
    return expand(parse_cell(line, "A paper boat"), random.Random(0))


def test_a_plain_request_is_one_cell() -> None:
    request = parse_cell("-d 6 --seed 3", "x")
    assert expand(request) == [GridCell(request, {})]
    assert expand(request)[0].label == ""


def test_seeds_list_and_ranges() -> None:
    cells = grid("--seeds 1-3,7 -d 5")
    assert [c.request.seed for c in cells] == [1, 2, 3, 7]
    assert [dict(c.caption) for c in cells] == [{"seed": 1}, {"seed": 2}, {"seed": 3}, {"seed": 7}]
    assert all(c.request.duration == "5" for c in cells)


def test_cells_carry_no_grid_options() -> None:
    for cell in grid("--seeds 1,2 --sweep duration=4,8 --sweep audio=on,off"):
        assert not cell.request.is_grid
        assert (cell.request.seeds, cell.request.n, cell.request.sweeps) == ((), None, ())
        assert check_arguments(cell.request.endpoint, arguments(cell.request)) == []


def test_random_seeds_are_distinct_and_reproducible_with_a_seeded_random() -> None:
    request = parse_cell("-n 6", "x")
    first = [c.request.seed for c in expand(request, random.Random(42))]
    assert first == [c.request.seed for c in expand(request, random.Random(42))]
    assert first != [c.request.seed for c in expand(request, random.Random(43))]
    assert len(set(first)) == 6
    assert all(seed is not None and 0 <= seed <= ep.MAX_SEED for seed in first)
    assert [c.caption["seed"] for c in expand(request, random.Random(42))] == first
    assert len(expand(request)) == 6


def test_sweeps_make_a_product_in_a_stable_order_with_seeds_innermost() -> None:
    cells = grid("--sweep aspect_ratio=16:9,9:16 --sweep duration=4,8 --seeds 1,2")
    assert [dict(c.caption) for c in cells] == [
        {"aspect_ratio": a, "duration": d, "seed": s}
        for a in ("16:9", "9:16")
        for d in ("4", "8")
        for s in (1, 2)
    ]
    assert [(c.request.aspect_ratio, c.request.duration, c.request.seed) for c in cells] == [
        (a, d, s) for a in ("16:9", "9:16") for d in ("4", "8") for s in (1, 2)
    ]
    assert cells[0].label == "aspect_ratio 16:9 · duration 4 · seed 1"


@pytest.mark.parametrize(
    ("line", "field", "values"),
    [
        ("--sweep tier=fast,standard", "tier", ["fast", "standard"]),
        ("--sweep resolution=480p,720p,1080p", "resolution", ["480p", "720p", "1080p"]),
        ("--sweep duration=auto,4,15", "duration", ["auto", "4", "15"]),
        ("--sweep aspect_ratio=21:9,1:1", "aspect_ratio", ["21:9", "1:1"]),
        ("--sweep audio=off,on", "generate_audio", [False, True]),
    ],
)
def test_each_sweepable_field(line: str, field: str, values: list[object]) -> None:
    cells = grid(line)
    assert [getattr(c.request, field) for c in cells] == values
    caption_key = "audio" if field == "generate_audio" else field
    assert [c.caption[caption_key] for c in cells] == [
        ("on" if v else "off") if isinstance(v, bool) else v for v in values
    ]


def test_a_tier_sweep_changes_the_endpoint() -> None:
    cells = grid("-i cat.png --sweep tier=standard,fast")
    assert [c.request.endpoint.id for c in cells] == [
        "bytedance/seedance-2.0/image-to-video",
        "bytedance/seedance-2.0/fast/image-to-video",
    ]


def test_sixty_four_cells_at_most() -> None:
    assert len(grid("--seeds 1-16 --sweep duration=4,8 --sweep audio=on,off")) == 64
    with pytest.raises(InvalidRequest, match="at most 64"):
        parse_cell("--seeds 1-13 --sweep duration=4,6,8,10,12", "x")
    # A request built by hand is checked by expand too.
    built = GenerationRequest(prompt="x", seeds=tuple(range(65)))
    with pytest.raises(InvalidRequest, match="65 cells; at most 64"):
        expand(built)


def test_total_estimate_sums_the_cells() -> None:
    cells = grid("--fast -d 4 --sweep resolution=480p,720p --seeds 1,2")
    total = total_estimate(cells)
    expected = sum(estimate(c.request).high for c in cells)
    assert total.high == pytest.approx(expected) and total.low == pytest.approx(expected)
    assert not total.is_range
    assert "4 videos" in total.note
    assert grid_estimate(parse_cell("--fast -d 4 --sweep resolution=480p,720p --seeds 1,2", "x")) == total


def test_total_estimate_of_auto_durations_is_a_range() -> None:
    total = total_estimate(grid("--seeds 1-3"))
    one = estimate(parse_cell("", "x"))
    assert (total.low, total.high) == pytest.approx((3 * one.low, 3 * one.high))
    assert total.note.count("duration auto") == 1


def test_total_estimate_with_video_references() -> None:
    cells = grid("--ref-video v.mp4 -d 5 --seeds 1,2")
    assert total_estimate(cells, input_video_seconds=4.0).high == pytest.approx(
        2 * estimate(cells[0].request, input_video_seconds=4.0).high
    )


def test_a_one_cell_total_has_no_count_note() -> None:
    cells = grid("-d 4")
    assert total_estimate(cells) == estimate(cells[0].request)


@settings(max_examples=100, deadline=None)
@given(
    seeds=st.lists(st.integers(0, ep.MAX_SEED), unique=True, max_size=4),
    durations=st.lists(st.sampled_from(ep.DURATIONS), unique=True, min_size=1, max_size=3),
    ratios=st.lists(st.sampled_from(ep.ASPECT_RATIOS), unique=True, min_size=1, max_size=3),
)
def test_grid_size_is_the_product(seeds: list[int], durations: list[str], ratios: list[str]) -> None:
    request = dataclasses.replace(
        parse_cell("", "x"),
        seeds=tuple(seeds),
        sweeps=(("duration", tuple(durations)), ("aspect_ratio", tuple(ratios))),
    )
    cells = expand(request)
    assert len(cells) == request.grid_size == max(1, len(seeds)) * len(durations) * len(ratios)
    assert len({tuple(c.caption.items()) for c in cells}) == len(cells)
