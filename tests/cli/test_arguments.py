"""Shared arguments: the A:B frame range."""

import argparse

import pytest

from temdenoise.cli.arguments import frame_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0:100", (0, 100)), ("10:", (10, None)), (":7", (0, 7)), (":", (0, None))],
)
def test_frame_range_takes_either_end_or_none(text, expected):
    assert frame_range(text) == expected


@pytest.mark.parametrize("text", ["5", "a:b", "1:2:3", ""])
def test_frame_range_refuses_anything_else(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected A:B"):
        frame_range(text)
