"""Deterministic ids, vectorized: every id is a SplitMix64 hash of (seed, stream, counter), so the same
arguments give the same ids on any machine, and millions of them cost one numpy pass."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# Two hex characters for every byte value: hex of n words is one table lookup over their bytes.
_HEX_PAIRS = np.stack([_HEX_DIGITS[np.arange(256) >> 4], _HEX_DIGITS[np.arange(256) & 0xF]], axis=1)
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)

# Streams keep ids of different kinds apart even when their counters coincide.
STREAM_TRACE_HI = 1
STREAM_TRACE_LO = 2
STREAM_CALL = 3
STREAM_ROOT_SPAN = 4
STREAM_AGENT_SPAN = 5
STREAM_SESSION = 6
STREAM_RESPONSE = 7
STREAM_BAD = 8


def splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer: a bijection on uint64, so distinct inputs give distinct outputs."""
    z = values.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def hashed(seed: int, stream: int, counters: np.ndarray | int) -> np.ndarray:
    """64-bit ids for counters in one stream; unique per (seed, stream) because splitmix64 is a bijection."""
    counters = np.atleast_1d(np.asarray(counters, dtype=np.uint64))
    seed_word = splitmix64(np.array([seed % 2**64], dtype=np.uint64))
    salt = splitmix64(seed_word ^ np.uint64(stream))[0]
    return splitmix64(counters ^ salt)


def hex_bytes(words: list[np.ndarray]) -> np.ndarray:
    """Lower-case hex of one or more uint64 arrays, concatenated per row: a (n, 16*len(words)) uint8 array."""
    columns = []
    for word in words:
        big_endian = np.ascontiguousarray(word, dtype=">u8").view(np.uint8).reshape(-1, 8)
        columns.append(_HEX_PAIRS[big_endian].reshape(-1, 16))
    return np.concatenate(columns, axis=1) if len(columns) > 1 else columns[0]


def string_array(chars: np.ndarray, prefix: bytes = b"") -> pa.StringArray:
    """A pyarrow string column from a fixed-width (n, w) uint8 character matrix, with an optional prefix."""
    n = chars.shape[0]
    if prefix:
        head = np.broadcast_to(np.frombuffer(prefix, dtype=np.uint8), (n, len(prefix)))
        chars = np.concatenate([head, chars], axis=1)
    width = chars.shape[1]
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def hex_strings(words: list[np.ndarray], prefix: bytes = b"") -> pa.StringArray:
    return string_array(hex_bytes(words), prefix)


def uuid_strings(hi: np.ndarray, lo: np.ndarray, prefix: bytes = b"") -> pa.StringArray:
    """8-4-4-4-12 formatted ids (as LiteLLM's chatcmpl-<uuid> request ids look)."""
    chars = hex_bytes([hi, lo])
    dash = np.full((chars.shape[0], 1), ord("-"), dtype=np.uint8)
    parts = [chars[:, 0:8], dash, chars[:, 8:12], dash, chars[:, 12:16], dash, chars[:, 16:20], dash, chars[:, 20:32]]
    return string_array(np.concatenate(parts, axis=1), prefix)
