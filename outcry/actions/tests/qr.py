"""Read a QR code back from the SVG the share block draws, as a phone's camera would.

A small decoder for the codes a campaign link makes (versions 1 to 10, byte
mode), written from the QR specification (ISO/IEC 18004) so that the test does
not ask segno, which drew the code, what it means: the SVG path becomes a grid
of modules, the format bits give the error level and mask, the data modules are
read in their zigzag order, unmasked, de-interleaved and parsed. The code is
read exactly, so error correction is not needed and not done.
"""

import re

# Per version and error level: (blocks, data codewords) groups (the specification's table 9).
BLOCKS = {
    1: {"L": [(1, 19)], "M": [(1, 16)], "Q": [(1, 13)], "H": [(1, 9)]},
    2: {"L": [(1, 34)], "M": [(1, 28)], "Q": [(1, 22)], "H": [(1, 16)]},
    3: {"L": [(1, 55)], "M": [(1, 44)], "Q": [(2, 17)], "H": [(2, 13)]},
    4: {"L": [(1, 80)], "M": [(2, 32)], "Q": [(2, 24)], "H": [(4, 9)]},
    5: {"L": [(1, 108)], "M": [(2, 43)], "Q": [(2, 15), (2, 16)], "H": [(2, 11), (2, 12)]},
    6: {"L": [(2, 68)], "M": [(4, 27)], "Q": [(4, 19)], "H": [(4, 15)]},
    7: {"L": [(2, 78)], "M": [(4, 31)], "Q": [(2, 14), (4, 15)], "H": [(4, 13), (1, 14)]},
    8: {"L": [(2, 97)], "M": [(2, 38), (2, 39)], "Q": [(4, 18), (2, 19)], "H": [(4, 14), (2, 15)]},
    9: {"L": [(2, 116)], "M": [(3, 36), (2, 37)], "Q": [(4, 16), (4, 17)], "H": [(4, 12), (4, 13)]},
    10: {
        "L": [(2, 68), (2, 69)],
        "M": [(4, 43), (1, 44)],
        "Q": [(6, 19), (2, 20)],
        "H": [(6, 15), (2, 16)],
    },
}
ALIGNMENT = {
    2: [6, 18],
    3: [6, 22],
    4: [6, 26],
    5: [6, 30],
    6: [6, 34],
    7: [6, 22, 38],
    8: [6, 24, 42],
    9: [6, 26, 46],
    10: [6, 28, 50],
}
LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
MASKS = [
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
]


def modules_of_svg(svg: str) -> list[list[bool]]:
    """The grid of dark modules the SVG's dark path draws, without the quiet zone."""
    [path] = re.findall(r'<path[^>]*stroke="#000"[^>]*d="([^"]+)"', svg)
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:  # a horizontal run of dark modules on row y - 0.5
            for step in range(int(float(a))):
                dark.add((int(y), int(x) + step))
            x += float(a)
    top = min(row for row, _ in dark)
    left = min(col for _, col in dark)
    size = max(col for _, col in dark) - left + 1
    return [[(top + i, left + j) in dark for j in range(size)] for i in range(size)]


def _format_codes() -> dict[int, tuple[str, int]]:
    codes = {}
    for data in range(32):
        value = data << 10
        for bit in range(14, 9, -1):
            if value & (1 << bit):
                value ^= 0x537 << (bit - 10)
        codes[((data << 10) | value) ^ 0x5412] = (LEVELS[data >> 3], data & 7)
    return codes


def _is_function(i: int, j: int, size: int, version: int) -> bool:
    """Finder patterns with separators and format bits, timing, alignment, version bits."""
    if (i < 9 and j < 9) or (i < 9 and j >= size - 8) or (i >= size - 8 and j < 9):
        return True
    if i == 6 or j == 6:
        return True
    if version >= 7 and ((i < 6 and j >= size - 11) or (j < 6 and i >= size - 11)):
        return True
    centres = ALIGNMENT.get(version, [])
    for r in centres:
        for c in centres:
            at_finder = (r, c) in {(6, 6), (6, centres[-1]), (centres[-1], 6)}
            if not at_finder and abs(i - r) <= 2 and abs(j - c) <= 2:
                return True
    return False


def decode(grid: list[list[bool]]) -> str:
    """The text a QR code of byte mode (UTF-8) holds."""
    size = len(grid)
    version = (size - 17) // 4
    bits = [grid[8][j] for j in (0, 1, 2, 3, 4, 5, 7, 8)] + [
        grid[i][8] for i in (7, 5, 4, 3, 2, 1, 0)
    ]
    word = int("".join("1" if bit else "0" for bit in bits), 2)
    level, mask = min(_format_codes().items(), key=lambda item: bin(item[0] ^ word).count("1"))[1]
    stream = []
    col, upward = size - 1, True
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(size - 1, -1, -1) if upward else range(size)
        for i in rows:
            for j in (col, col - 1):
                if not _is_function(i, j, size, version):
                    stream.append(grid[i][j] != MASKS[mask](i, j))
        col -= 2
        upward = not upward
    codewords = [
        int("".join("1" if bit else "0" for bit in stream[k : k + 8]), 2)
        for k in range(0, len(stream) - 7, 8)
    ]
    sizes = [count for blocks, count in BLOCKS[version][level] for _ in range(blocks)]
    blocks: list[list[int]] = [[] for _ in sizes]
    position = 0
    for index in range(max(sizes)):
        for block, count in enumerate(sizes):
            if index < count:
                blocks[block].append(codewords[position])
                position += 1
    data = "".join(f"{byte:08b}" for block in blocks for byte in block)
    mode, data = data[:4], data[4:]
    assert mode == "0100", f"not byte mode: {mode}"
    width = 8 if version < 10 else 16
    length, data = int(data[:width], 2), data[width:]
    return bytes(int(data[k * 8 : k * 8 + 8], 2) for k in range(length)).decode("utf-8")


def read_qr_svg(svg: str) -> str:
    """The text the QR code drawn by *svg* holds."""
    return decode(modules_of_svg(svg))
