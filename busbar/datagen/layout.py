"""Byte-level assembly of many JSON messages at once with numpy.

A message type is described once as a row template: literal bytes interleaved with slots of a fixed maximum
width. For a chunk of R messages the template is copied into an (R, W) byte matrix and the slots are filled
column-wise by vectorised formatters. JSON text never contains a NUL byte, so NUL marks "no byte here": the
unused part of each slot, a section left out (a day not delivered) or a byte deleted from the template (the
comma after the last item of a list) are zero, and one pass that drops the zeros turns the matrix into the
output. No per-message Python code runs, which is what makes the generator fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_POW10 = np.array([10**i for i in range(1, 9)], dtype=np.int64)
MAX_DECIMAL3 = 999_999_999_999  # largest (9,3) value, in thousandths


@dataclass
class Template:
    """A row template under construction: literal bytes and named (NUL-filled) slots."""

    data: bytearray = field(default_factory=bytearray)
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)

    def lit(self, text: bytes | str) -> Template:
        b = text.encode() if isinstance(text, str) else text
        if 0 in b:
            raise ValueError("a template literal cannot contain NUL")
        self.data += b
        return self

    def slot(self, name: str, width: int) -> Template:
        if name in self.slots:
            raise ValueError(f"duplicate slot {name}")
        self.slots[name] = (len(self.data), width)
        self.data += bytes(width)
        return self

    def repeat(self, name: str, inner: Template, count: int) -> Template:
        """Append ``count`` copies of ``inner``; its slots become ``name`` sections addressed by index."""
        self.slots[name] = (len(self.data), len(inner.data))
        self.data += inner.data * count
        return self

    def delete(self, offset: int) -> Template:
        """Drop the byte at ``offset`` from the output (it becomes NUL)."""
        self.data[offset] = 0
        return self

    def __len__(self) -> int:
        return len(self.data)


_SCRATCH: dict[str, np.ndarray] = {}


def scratch(name: str, size: int, dtype: type) -> np.ndarray:
    """A reusable per-process buffer: fresh allocations of many megabytes per chunk cost page faults."""
    arr = _SCRATCH.get(name)
    if arr is None or arr.size < size:
        arr = _SCRATCH[name] = np.empty(size, dtype)
    return arr[:size]


class Frame:
    """R rows of a template, being filled. Uses a per-process scratch buffer: one Frame at a time."""

    def __init__(self, template: Template, rows: int) -> None:
        data = np.frombuffer(bytes(template.data), np.uint8)
        self.width = len(data)
        self.rows = rows
        self.buf = scratch("buf", rows * self.width, np.uint8).reshape(rows, self.width)
        self.buf[:] = data

    def view(self, offset: int, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
        """A writable strided view into the rows: dims (rows, *shape) with byte strides."""
        return np.lib.stride_tricks.as_strided(
            self.buf[:, offset:], (self.rows, *shape), (self.width, *strides), writeable=True
        )

    def put(self, offset: int, chars: np.ndarray) -> None:
        """Fill a slot for every row from (R, w) bytes, NUL where the slot is not used."""
        self.buf[:, offset : offset + chars.shape[-1]] = chars

    def compress(self) -> bytes:
        return self.buf.tobytes().translate(None, b"\0")

    def compress_into(self, dest: np.ndarray) -> int | None:
        """Write the output bytes into ``dest`` (uint8); their number, or None if they do not fit.

        (Boolean indexing: ``np.compress`` would build an index array eight times the size of the output.)
        """
        flat = self.buf.reshape(-1)
        keep = scratch("keep", flat.size, np.bool_)
        np.not_equal(flat, 0, out=keep)
        n = int(np.count_nonzero(keep))
        if n > dest.size:
            return None
        dest[:n] = flat[keep]
        return n

    def row_lengths(self) -> np.ndarray:
        return np.count_nonzero(self.buf, axis=1)


def strings(values: list[str] | tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A lookup table of left-aligned ASCII strings, NUL-padded: ((n, w) bytes, (n,) lengths)."""
    encoded = [v.encode() for v in values]
    width = max(1, max(len(b) for b in encoded))
    table = np.zeros((len(encoded), width), np.uint8)
    for i, b in enumerate(encoded):
        table[i, : len(b)] = np.frombuffer(b, np.uint8)
    return table, np.array([len(b) for b in encoded], dtype=np.int64)


# Little-endian uint32 words holding ASCII: four digits "dddd", and ".ddd" for thousandths.
_WORD4 = np.frombuffer(b"".join(f"{i:04d}".encode() for i in range(10_000)), dtype="<u4")
_WORDF = np.frombuffer(b"".join(f".{i:03d}".encode() for i in range(1_000)), dtype="<u4")
DECIMAL_WIDTH = 16


def decimal3(values: np.ndarray) -> np.ndarray:
    """Thousandths as right-aligned (9,3) text, e.g. 1234 -> ``1.234``: (..., 16) bytes, NUL-padded."""
    v = np.asarray(values, dtype=np.int64)
    neg = v < 0
    a = np.abs(v) if neg.any() else v
    if a.size and int(a.max()) > MAX_DECIMAL3:
        raise ValueError("value does not fit the (9,3) format")
    ip, fp = np.divmod(a, 1000)
    words = np.empty((*v.shape, 4), "<u4")
    words[..., 3] = _WORDF[fp]
    hi, lo = np.divmod(ip, 10_000)
    words[..., 2] = _WORD4[lo]
    words[..., 1] = _WORD4[hi % 10_000]
    words[..., 0] = _WORD4[hi // 10_000]  # the top digit (and zeros) of a nine-digit integer part
    out = words.view(np.uint8).reshape(*v.shape, DECIMAL_WIDTH)
    nd = 1 + np.searchsorted(_POW10, ip, side="right")
    if neg.any():
        idx = np.nonzero(neg)
        out[(*idx, 11 - nd[idx])] = ord("-")
    out *= np.arange(DECIMAL_WIDTH) >= (DECIMAL_WIDTH - 4 - neg - nd)[..., None]
    return out


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded decimal text: (n, width) bytes."""
    v = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((len(v), width), np.uint8)
    for col in range(width - 1, -1, -1):
        out[:, col] = v % 10 + ord("0")
        v //= 10
    return out


def hexdigits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded lower-case hex text: (n, width) bytes."""
    v = np.asarray(values, dtype=np.uint64).copy()
    out = np.empty((len(v), width), np.uint8)
    for col in range(width - 1, -1, -1):
        out[:, col] = _HEX[(v & np.uint64(15)).astype(np.intp)]
        v >>= np.uint64(4)
    return out


def iso_instants(instants: np.ndarray) -> np.ndarray:
    """Epoch seconds as 25-byte DT-003 timestamps (``YYYY-MM-DDTHH:MM:SS+00:00``): (n, 25) bytes."""
    text = np.datetime_as_string(np.asarray(instants, dtype="datetime64[s]"), unit="s")
    out = np.empty((len(text), 25), np.uint8)
    out[:, :19] = text.astype("S19").view(np.uint8).reshape(-1, 19)
    out[:, 19:] = np.frombuffer(b"+00:00", np.uint8)
    return out


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Abs days as 8-byte ``YYYYMMDD``: (n, 8) bytes."""
    text = np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").astype("S10")
    raw = text.view(np.uint8).reshape(-1, 10)
    return np.concatenate([raw[:, 0:4], raw[:, 5:7], raw[:, 8:10]], axis=1)
