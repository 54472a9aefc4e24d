"""Base45 (RFC 9285): two bytes become three characters, a last odd byte becomes two."""

from __future__ import annotations

import struct

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
# ASCII code -> Base45 value (0xFF: not in the alphabet), for bytes.translate.
_DECODE_TABLE = bytes(ALPHABET.index(chr(code)) if chr(code) in ALPHABET else _INVALID for code in range(256))


class Base45Error(ValueError):
    pass


def encode(data: bytes) -> str:
    pairs = len(data) // 2
    a = ALPHABET
    out = [a[n % 45] + a[n // 45 % 45] + a[n // 2025] for n in struct.unpack(f">{pairs}H", data[: 2 * pairs])]
    if len(data) % 2:
        out.append(a[data[-1] % 45] + a[data[-1] // 45])
    return "".join(out)


def decode(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise Base45Error("not a Base45 character") from None
    values = raw.translate(_DECODE_TABLE)
    if _INVALID in values:
        bad = text[values.index(_INVALID)]
        raise Base45Error(f"not a Base45 character: {bad!r}")
    if len(values) % 3 == 1:
        raise Base45Error("Base45 text length leaves one character over")
    full = len(values) - len(values) % 3
    numbers = [
        a + b * 45 + c * 2025 for a, b, c in zip(values[0:full:3], values[1:full:3], values[2:full:3], strict=True)
    ]
    if numbers and max(numbers) > 0xFFFF:
        raise Base45Error("Base45 triplet out of range")
    out = struct.pack(f">{len(numbers)}H", *numbers)
    if full < len(values):
        last = values[full] + values[full + 1] * 45
        if last > 0xFF:
            raise Base45Error("Base45 pair out of range")
        out += bytes((last,))
    return out
