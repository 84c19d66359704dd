"""Costs at Seedance's real frame sizes: the estimates `%seedance price` shows, and what a
finished video is recorded as costing, from the probed size of its file."""

from __future__ import annotations

import pytest

from seedance_magic.model import Result
from seedance_magic.spec.cost import estimate_cost, result_cost
from seedance_magic.spec.endpoints import find_endpoint
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.plan import estimate

T2V = "bytedance/seedance-2.0/text-to-video"
FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"


@pytest.mark.parametrize(
    ("line", "usd"),
    [
        ("-d 15 -a 1:1", 4.55),
        ("--fast -d 10 -a 21:9", 2.43),
        ("--fast -r 480p -d 8 -a 3:4", 0.88),
    ],
)
def test_the_estimates_at_the_real_frame_sizes(line: str, usd: float) -> None:
    assert estimate(parse_cell(line, "a fox")).high == pytest.approx(usd, abs=0.006)


def _result(width: int | None, height: int | None) -> Result:
    args = {"prompt": "a fox", "resolution": "480p", "aspect_ratio": "16:9", "duration": "5"}
    return Result.build(
        endpoint=FAST_T2V,
        arguments=args,
        request_id="r",
        data={"video": {"url": "https://x/y.mp4"}, "seed": 1},
        path=None,
        emulated=False,
        width=width,
        height=height,
        duration=5.0,
        has_audio=True,
    )


def test_a_finished_video_costs_its_probed_size() -> None:
    """A 480p 16:9 clip that came back 854x480 (as some gateways list it) costs 854x480,
    not the table's 864x496; the estimate stays at the table's size."""
    endpoint = find_endpoint(FAST_T2V)
    assert endpoint is not None
    table = estimate_cost(endpoint, resolution="480p", aspect_ratio="16:9", duration="5").high
    probed = _result(854, 480)
    assert probed.cost_usd == pytest.approx(0.2419 * 5 * 854 * 480 / (1280 * 720), abs=1e-4)
    assert probed.cost_usd < table
    assert _result(None, None).cost_usd == pytest.approx(table)
    assert (probed.width, probed.height) == (854, 480)


def test_result_cost_takes_the_size() -> None:
    args = {"resolution": "720p", "aspect_ratio": "1:1"}
    assert result_cost(T2V, args, 10, 0.0) == pytest.approx(0.3034 * 10 * 960 * 960 / (1280 * 720), abs=1e-4)
    assert result_cost(T2V, args, 10, 0.0, (1280, 720)) == pytest.approx(3.034, abs=1e-4)
