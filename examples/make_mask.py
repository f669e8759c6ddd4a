"""Write examples/mask_rocket_sky.png: the sky of the rocket photo, for the masked example.

    python examples/make_mask.py

The sky is where the photo is clearly blue (blue exceeds red by more than 14 of 255) above the
horizon; a median filter and a small opening remove speckle. The towers' thin lattices and the
rocket are left out, so they keep the photo. Deterministic: it rewrites the same file.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

HERE = Path(__file__).parent
HORIZON = 0.85  # share of the height above which the sky lies


def sky_mask(photo: Image.Image) -> Image.Image:
    rgb = np.asarray(photo.convert("RGB"), dtype=np.int16)  # (H, W, 3)
    red, blue = rgb[..., 0], rgb[..., 2]
    sky = (blue - red > 14) & (blue > 40)
    sky[int(sky.shape[0] * HORIZON) :] = False
    mask = Image.fromarray(sky.astype(np.uint8) * 255)
    for speckle in (
        ImageFilter.MedianFilter(5),
        ImageFilter.MinFilter(3),
        ImageFilter.MaxFilter(3),
    ):
        mask = mask.filter(speckle)
    return mask


if __name__ == "__main__":
    sky_mask(Image.open(HERE / "content_rocket.jpg")).save(
        HERE / "mask_rocket_sky.png", optimize=True
    )
    print("wrote", HERE / "mask_rocket_sky.png")
