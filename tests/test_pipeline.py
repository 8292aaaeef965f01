"""Tests of extract.pipeline helpers that need no model."""

from __future__ import annotations

import pytest

from extract.pipeline import normalise_date


@pytest.mark.parametrize(
    "text, published, iso",
    [
        ("July 10th", "2025-07-11", "2025-07-10"),  # the year is the publication's
        ("July 10", "2024-12-31", "2024-07-10"),
        ("10 July 2025", None, "2025-07-10"),
        ("3rd March", "2023-05-01", "2023-03-03"),
        ("July 10, 2025", "2019-01-01", "2025-07-10"),  # a stated year wins
        ("  July 10, 2025 ", None, "2025-07-10"),
        ("july 10, 2025", None, "2025-07-10"),
        ("July 10", None, None),  # no year to be had
        ("July 2025", None, None),  # no day
        ("February 30, 2024", None, None),
        ("Julember 10, 2025", None, None),
        ("next week", None, None),
        ("", "2025-07-11", None),
    ],
)
def test_pipeline_normalise_date(text, published, iso):
    assert normalise_date(text, published) == iso
