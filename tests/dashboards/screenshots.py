"""Layout comparison of two page screenshots, for the browser test.

Each image becomes a coarse grid (``COLUMNS`` cells across, square cells) of ink coverage: the
share of a cell's pixels that differ clearly from the page background. The difference of two
screenshots is one minus the ink their grids share over the ink either has (0 = same layout,
1 = nothing in common), the shorter padded with background; widths must match. Text changes
move a cell's coverage a little; a chart, table or section that is missing, blank or replaced by
an error box empties or fills whole cells.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops

COLUMNS = 36
INK_THRESHOLD = 40  # grey levels away from the background that count as ink


def ink_grid(path: Path, cell: int) -> list[list[float]]:
    with Image.open(path) as opened:
        image = opened.convert("L")
    background = image.getpixel((image.width - 1, image.height - 1))
    flat = Image.new("L", image.size, background)
    ink = ImageChops.difference(image, flat).point(lambda v: 255 if v > INK_THRESHOLD else 0)
    rows = -(-image.height // cell)
    grid = []
    for row in range(rows):
        line = []
        for column in range(-(-image.width // cell)):
            box = (column * cell, row * cell, (column + 1) * cell, (row + 1) * cell)
            region = ink.crop(box)
            histogram = region.histogram()
            line.append(histogram[255] / max(1, region.width * region.height))
        grid.append(line)
    return grid


def layout_difference(actual: Path, expected: Path) -> float:
    """1 - (ink both share) / (ink either has), cell by cell: 0 = same layout, 1 = disjoint."""
    with Image.open(actual) as a, Image.open(expected) as e:
        if a.width != e.width:
            return 1.0
        cell = a.width // COLUMNS
    first, second = ink_grid(actual, cell), ink_grid(expected, cell)
    height = max(len(first), len(second))
    blank = [0.0] * len(first[0])
    first += [blank] * (height - len(first))
    second += [blank] * (height - len(second))
    shared = either = 0.0
    for row_a, row_b in zip(first, second, strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            shared += min(x, y)
            either += max(x, y)
    return 1.0 - shared / either if either else 0.0
