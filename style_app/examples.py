"""The example pairs the page offers, and their results made in advance."""

from __future__ import annotations

from pathlib import Path

from style_app.config import EXAMPLES

# Example pairs: each photo with a public-domain painting, the most striking first.
EXAMPLE_PAIRS = (
    ("chelsea", "starry_night"),
    ("coffee", "the_scream"),
    ("rocket", "wave"),
    ("astronaut", "composition_vii"),
    ("chelsea", "udnie"),
    ("coffee", "shipwreck"),
)
# A pair with a painted mask (examples/mask_*.png): the sky in The Starry Night, the rest kept.
MASKED_EXAMPLE = ("rocket", "starry_night", "rocket_sky")


def result_path(content: str, style: str) -> Path:
    """Where scripts/make_example_results.py puts a pair's precomputed result."""
    return EXAMPLES / f"result_{content}_{style}.jpg"


# Shown before any click: the first pair's result, made in advance at the default settings.
FIRST_RESULT = result_path(*EXAMPLE_PAIRS[0])


def example_rows() -> list[list[str | None]]:
    """[content, style, mask] rows: the first pair, the masked one, then the other pairs
    (their mask None, so clicking one clears a mask left from before)."""
    rows = [_example_row(content, style) for content, style in EXAMPLE_PAIRS]
    rows.insert(1, _example_row(*MASKED_EXAMPLE))
    return rows


def _example_row(content: str, style: str, mask: str | None = None) -> list[str | None]:
    return [
        str(EXAMPLES / f"content_{content}.jpg"),
        str(EXAMPLES / f"style_{style}.jpg"),
        str(EXAMPLES / f"mask_{mask}.png") if mask else None,
    ]
