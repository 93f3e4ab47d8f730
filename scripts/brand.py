#!/usr/bin/env python3
"""Draw the integration's own brand images (not Bosch's trademark).

The mark: a house whose roof line is a chain of three linked nodes (the
"connect"), in a rounded square. Writes into
``custom_components/bosch_connect/brand/``: ``icon.png`` (256x256),
``icon@2x.png`` (512x512), ``logo.png`` (256 high), ``logo@2x.png`` (512 high)
and the ``dark_`` variant of each (for dark themes). Run it again after
changing the drawing: ``.venv/bin/python scripts/brand.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
BRAND = ROOT / "custom_components" / "bosch_connect" / "brand"
SCALE = 4  # draw large, scale down: smooth edges

# Light theme: teal badge, dark text. Dark theme: lighter teal, light text.
THEMES = {
    "": {"badge": (0, 121, 140), "mark": (255, 255, 255), "text": (33, 33, 33)},
    "dark_": {"badge": (38, 166, 184), "mark": (16, 24, 32), "text": (236, 239, 241)},
}
FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def draw_icon(size: int, theme: dict[str, tuple[int, int, int]]) -> Image.Image:
    """The square icon on a transparent background."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    pad = big * 0.04
    draw.rounded_rectangle(
        (pad, pad, big - pad, big - pad), radius=big * 0.22, fill=theme["badge"]
    )
    mark = theme["mark"]
    line = round(big * 0.055)
    # The roof: three nodes linked by two strokes.
    left, apex, right = (
        (big * 0.22, big * 0.50),
        (big * 0.50, big * 0.24),
        (big * 0.78, big * 0.50),
    )
    draw.line([left, apex, right], fill=mark, width=line, joint="curve")
    node = big * 0.075
    for x, y in (left, apex, right):
        draw.ellipse((x - node, y - node, x + node, y + node), fill=mark)
    # The walls and a door.
    wall = round(big * 0.05)
    x0, x1, y0, y1 = big * 0.30, big * 0.70, big * 0.55, big * 0.78
    draw.line(
        [(x0, y0), (x0, y1), (x1, y1), (x1, y0)], fill=mark, width=wall, joint="curve"
    )
    door = big * 0.075
    draw.rounded_rectangle(
        (big * 0.5 - door, big * 0.62, big * 0.5 + door, y1),
        radius=door * 0.5,
        fill=mark,
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def draw_logo(height: int, theme: dict[str, tuple[int, int, int]]) -> Image.Image:
    """The icon followed by the name, on a transparent background."""
    icon = draw_icon(height, theme)
    font = _font(round(height * 0.36))
    text = "Bosch Connect"
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    gap = round(height * 0.14)
    width = height + gap + (right - left) + round(height * 0.04)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.alpha_composite(icon, (0, 0))
    draw = ImageDraw.Draw(image)
    y = (height - (bottom - top)) / 2 - top
    draw.text((height + gap - left, y), text, font=font, fill=theme["text"])
    return image


def main() -> None:
    """Write every brand image."""
    BRAND.mkdir(parents=True, exist_ok=True)
    for prefix, theme in THEMES.items():
        draw_icon(256, theme).save(BRAND / f"{prefix}icon.png", optimize=True)
        draw_icon(512, theme).save(BRAND / f"{prefix}icon@2x.png", optimize=True)
        draw_logo(256, theme).save(BRAND / f"{prefix}logo.png", optimize=True)
        draw_logo(512, theme).save(BRAND / f"{prefix}logo@2x.png", optimize=True)
    print(f"brand images written to {BRAND.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
