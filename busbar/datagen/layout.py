"""Byte-level assembly of many JSON messages at once with numpy.

A message type is described once as a row template: literal bytes interleaved with slots of a fixed maximum
width. For a chunk of R messages the template is broadcast into an (R, W) byte matrix together with an
(R, W) keep-mask; slots are filled column-wise from vectorised formatters, the mask drops the unused part of
each slot (and whole optional sections), and one boolean index turns the matrix into the output bytes. No
per-message Python code runs, which is what makes the generator fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_DIGITS3 = np.array([list(f"{i:03d}".encode()) for i in range(1000)], dtype=np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_POW10 = np.array([10**i for i in range(1, 9)], dtype=np.int64)
MAX_DECIMAL3 = 999_999_999_999  # largest (9,3) value, in thousandths


@dataclass
class Template:
    """A row template under construction: literal bytes and named slots."""

    data: bytearray = field(default_factory=bytearray)
    keep: list[bool] = field(default_factory=list)
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)

    def lit(self, text: bytes | str) -> Template:
        b = text.encode() if isinstance(text, str) else text
        self.data += b
        self.keep += [True] * len(b)
        return self

    def slot(self, name: str, width: int) -> Template:
        if name in self.slots:
            raise ValueError(f"duplicate slot {name}")
        self.slots[name] = (len(self.data), width)
        self.data += b" " * width
        self.keep += [False] * width
        return self

    def repeat(self, name: str, inner: Template, count: int) -> Template:
        """Append ``count`` copies of ``inner``; its slots become ``name`` sections addressed by index."""
        self.slots[name] = (len(self.data), len(inner.data))
        for _ in range(count):
            self.data += inner.data
            self.keep += inner.keep
        return self

    def __len__(self) -> int:
        return len(self.data)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(bytes(self.data), np.uint8), np.array(self.keep, dtype=bool)


_SCRATCH: dict[str, np.ndarray] = {}


def _scratch(name: str, size: int, dtype: type) -> np.ndarray:
    """A reusable buffer: fresh allocations of many megabytes per chunk cost page faults."""
    arr = _SCRATCH.get(name)
    if arr is None or arr.size < size:
        arr = _SCRATCH[name] = np.empty(size, dtype)
    return arr[:size]


class Frame:
    """R rows of a template, being filled. Uses per-process scratch buffers: one Frame at a time."""

    def __init__(self, template: Template, rows: int) -> None:
        data, keep = template.arrays()
        self.width = len(data)
        self.rows = rows
        self.buf = _scratch("buf", rows * self.width, np.uint8).reshape(rows, self.width)
        self.buf[:] = data
        self.mask = _scratch("mask", rows * self.width, np.bool_).reshape(rows, self.width)
        self.mask[:] = keep

    def view(
        self, offset: int, shape: tuple[int, ...], strides: tuple[int, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Writable strided views into the buffer and mask: dims (rows, *shape) with byte strides."""
        full_shape = (self.rows, *shape)
        full_strides = (self.width, *strides)
        b = np.lib.stride_tricks.as_strided(self.buf[:, offset:], full_shape, full_strides, writeable=True)
        m = np.lib.stride_tricks.as_strided(self.mask[:, offset:], full_shape, full_strides, writeable=True)
        return b, m

    def put(
        self, offset: int, chars: np.ndarray, lengths: np.ndarray | None = None, right: bool = False
    ) -> None:
        """Fill a slot for every row: ``chars`` is (R, w); ``lengths`` keeps only that many bytes."""
        w = chars.shape[-1]
        self.buf[:, offset : offset + w] = chars
        self.mask[:, offset : offset + w] = True if lengths is None else keep_mask(lengths, w, right)

    def compress(self) -> bytes:
        return self.buf[self.mask].tobytes()

    def row_lengths(self) -> np.ndarray:
        return self.mask.sum(axis=1)


def keep_mask(lengths: np.ndarray, width: int, right: bool = False) -> np.ndarray:
    """Mask keeping the first (or, ``right``, the last) ``lengths`` of ``width`` bytes."""
    cols = np.arange(width)
    if right:
        return cols >= (width - lengths)[..., None]
    return cols < lengths[..., None]


def strings(values: list[str] | tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A lookup table of left-aligned ASCII strings: ((n, w) bytes, (n,) lengths)."""
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


def decimal3(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thousandths as right-aligned (9,3) decimal text, e.g. 1234 -> ``1.234``.

    Returns ((..., 16) bytes, lengths): the text is the last ``length`` bytes of each 16.
    """
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
    return out, nd + 4 + neg


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
