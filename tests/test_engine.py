from collections import deque
from pathlib import Path

import pytest

from style_core import StyleParams, stylize
from style_core.images import load_image
from style_core.metrics import content_error, structure_lost, style_distance, style_error

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

TINY = StyleParams(size=64, steps=12, preview_seconds=0.0)


def test_short_run_moves_towards_the_style(content_image, style_image):
    snapshots = list(stylize(content_image, style_image, TINY))
    final = snapshots[-1]
    assert final.done and final.image.size == (64, 48)
    first, last = snapshots[0].losses, snapshots[-2].losses
    assert last["style"] < first["style"] * 0.5
    assert last["total"] < first["total"]
    # The result's Gram statistics are closer to the style than the content image's are.
    assert style_error(final.image, style_image) < style_error(content_image, style_image)
    assert content_error(final.image, content_image) < content_error(
        style_image.resize((64, 48)), content_image
    )


@pytest.mark.slow
def test_default_configuration_beats_both_inputs_on_the_independent_yardstick():
    """The real defaults (512 px, every scale, full depth) on a real photo and painting.

    W (sliced Wasserstein to the style's features) and E (edges lost) are statistics the
    engine never optimises: the result must be far nearer the style than the photo is, and
    keep far more of the photo's edges than the painting does.
    """
    content = EXAMPLES / "content_chelsea.jpg"
    style = sorted(EXAMPLES.glob("style_*.jpg"))[0]
    params = StyleParams()
    (final,) = deque(stylize(content, style, params), maxlen=1)
    assert final.done and max(final.image.size) == params.size
    assert final.iteration == params.steps and final.scales == len(params.scale_sizes()) > 1
    painting_as_output = load_image(style).resize(final.image.size)
    w = style_distance(final.image, style, content)
    assert w < 0.5 * style_distance(content, style, content)  # that one is 1 by definition
    assert structure_lost(final.image, content) < 0.5 * structure_lost(painting_as_output, content)
