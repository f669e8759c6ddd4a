from style_core import StyleParams, stylize
from style_core.metrics import content_error, style_error

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
