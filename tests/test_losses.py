import torch

from style_core.losses import (
    CONTENT_FLOOR,
    MEAN_SHARE,
    blend_statistics,
    content_loss,
    gram_matrix,
    mean_and_covariance,
    relative_error,
    style_loss,
    style_statistics,
    total_variation,
)


def test_gram_matrix_by_hand():
    # One image, 2 channels, 1x2 pixels: rows [1, 2] and [3, 4].
    features = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    expected = torch.tensor([[[1 + 4, 3 + 8], [3 + 8, 9 + 16]]]) / (2 * 1 * 2)
    assert torch.allclose(gram_matrix(features), expected)


def test_gram_matrix_is_size_invariant_for_repeated_texture():
    tile = torch.rand(1, 8, 4, 4)
    big = tile.repeat(1, 1, 3, 3)
    assert torch.allclose(gram_matrix(tile), gram_matrix(big), atol=1e-6)


def test_gram_matrix_computes_in_float32():
    features = torch.rand(1, 4, 3, 3).to(torch.bfloat16)
    assert gram_matrix(features).dtype == torch.float32


def test_relative_error_by_hand():
    value, target = torch.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0])
    assert relative_error(value, target).item() == 1 / 8
    assert relative_error(target, target).item() == 0


def test_content_loss_is_mean_over_layers():
    targets = {"a": torch.ones(1, 1, 2, 2), "b": torch.ones(1, 1, 2, 2)}
    features = {"a": torch.zeros(1, 1, 2, 2), "b": torch.ones(1, 1, 2, 2)}
    assert content_loss(features, targets).item() == 0.5


def test_style_loss_weights_layers():
    features = {"a": torch.zeros(1, 2, 2, 2), "b": torch.ones(1, 2, 2, 2)}
    grams = {name: gram_matrix(torch.ones(1, 2, 2, 2)) for name in ("a", "b")}
    # Layer a has relative error 1, layer b 0; weights 3:1 -> 3/4.
    assert style_loss(features, grams, {"a": 3.0, "b": 1.0}).item() == 0.75


def test_mean_and_covariance_by_hand():
    # 2 channels, 1x2 pixels: rows [1, 3] and [2, 6]: means 2 and 4, deviations +-1 and +-2.
    features = torch.tensor([[[[1.0, 3.0]], [[2.0, 6.0]]]])
    expected = torch.tensor([[[1.0, 2.0], [2.0, 4.0], [2.0, 4.0]]])
    assert torch.allclose(mean_and_covariance(features), expected)
    assert mean_and_covariance(features.to(torch.bfloat16)).dtype == torch.float32


def test_a_mask_weights_the_mean_and_covariance():
    features = torch.tensor([[[[1.0, 3.0, 50.0]], [[2.0, 6.0, -7.0]]]])
    mask = torch.tensor([[[[1.0, 1.0, 0.0]]]])  # the third position is outside the region
    inside = features[..., :2]
    assert torch.allclose(mean_and_covariance(features, mask), mean_and_covariance(inside))


def test_the_covariance_ignores_a_shift_the_gram_matrix_mostly_sees():
    texture = torch.rand(1, 4, 8, 8)
    shifted = texture + 3.0  # same texture, another mean
    cov = lambda x: mean_and_covariance(x)[:, :4]  # noqa: E731
    assert torch.allclose(cov(texture), cov(shifted), atol=1e-5)
    assert relative_error(gram_matrix(texture), gram_matrix(shifted)) > 0.5


def test_style_loss_on_mean_and_covariance_weighs_their_relative_errors_by_the_mean_share():
    target = torch.tensor([[[[1.0, 3.0]], [[2.0, 6.0]]]])  # means 2, 4; covariance rows 1 2, 2 4
    same_texture = target + torch.tensor([2.0, 4.0]).reshape(1, 2, 1, 1)  # means doubled
    targets = {"a": style_statistics(target, "mean-covariance")}
    loss = style_loss({"a": same_texture}, targets, {"a": 1.0}, statistic="mean-covariance")
    # Covariance error 0, mean error 1: the loss is the mean's share.
    assert torch.isclose(loss, torch.tensor(MEAN_SHARE))
    means = target.mean(dim=-1, keepdim=True)
    twice_the_texture = means + 2 * (target - means)  # covariance x4: relative error 9
    loss = style_loss({"a": twice_the_texture}, targets, {"a": 1.0}, statistic="mean-covariance")
    assert torch.isclose(loss, torch.tensor(9 * (1 - MEAN_SHARE)))
    assert style_loss({"a": target}, targets, {"a": 1.0}, statistic="mean-covariance") == 0


def test_a_blend_has_the_statistics_of_the_mixed_features():
    """Half the positions from one texture, half from another: that mixture's statistics are
    what a 50/50 blend must match, for either statistic (a plain average of covariances
    misses the spread between the two means)."""
    dark, light = torch.rand(1, 4, 6, 6), torch.rand(1, 4, 6, 6) + 5.0
    mixture = torch.cat([dark, light], dim=-1)
    for statistic in ("gram", "mean-covariance"):
        parts = [style_statistics(x, statistic) for x in (dark, light)]
        blended = blend_statistics(parts, [0.5, 0.5], statistic)
        assert torch.allclose(blended, style_statistics(mixture, statistic), atol=1e-4)
    covariances = [mean_and_covariance(x)[:, :4] for x in (dark, light)]
    averaged = (covariances[0] + covariances[1]) / 2  # what blending did before
    assert relative_error(averaged, mean_and_covariance(mixture)[:, :4]) > 0.9
    alone = style_statistics(dark, "mean-covariance")
    assert blend_statistics([alone], [1.0], "mean-covariance") is alone  # exactly, no rounding


def test_a_style_with_no_texture_is_held_to_a_quarter_of_the_contents_statistics():
    """Relative to a near-zero covariance, any error would be huge; the floor bounds it."""
    content = torch.rand(1, 4, 8, 8)
    flat = torch.full((1, 4, 8, 8), 0.5) + 1e-4 * torch.rand(1, 4, 8, 8)
    targets = {"a": style_statistics(flat, "mean-covariance")}
    references = {"a": style_statistics(content, "mean-covariance")}
    weights = {"a": 1.0}
    unbounded = style_loss({"a": content}, targets, weights, statistic="mean-covariance")
    bounded = style_loss(
        {"a": content}, targets, weights, statistic="mean-covariance", references=references
    )
    assert unbounded > 1e4
    covariance_bound = (1 - MEAN_SHARE) / CONTENT_FLOOR  # the whole covariance, over the floor
    assert covariance_bound < bounded < covariance_bound + MEAN_SHARE
    # A textured style's own norm stays in charge: the floor changes nothing there.
    textured = {"a": style_statistics(torch.rand(1, 4, 8, 8) * 3, "mean-covariance")}
    assert torch.equal(
        style_loss({"a": content}, textured, weights, statistic="mean-covariance"),
        style_loss(
            {"a": content}, textured, weights, statistic="mean-covariance", references=references
        ),
    )


def test_total_variation_by_hand():
    image = torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]])
    # Horizontal steps of 1 (mean 1), vertical steps of 0.
    assert total_variation(image).item() == 1.0
    assert total_variation(torch.full((1, 3, 4, 4), 0.3)).item() == 0.0
