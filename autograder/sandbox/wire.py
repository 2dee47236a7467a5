"""The only thing that crosses the sandbox boundary: data, framed, with every number in .npy.

A frame is ``MAGIC | u64 length | u32 n | header JSON | u32 m | blob-length JSON | .npy blobs``.
The header holds the structure of one message (a str-keyed dict with an ``"op"``); every
number and array in it is a reference to a blob written by ``np.save`` and read back by
``np.load(allow_pickle=False)``. What the structure may contain:

    ndarray (any non-object dtype)  {"a": k}     int      {"i": k}    float  {"f": k}
    bool  true/false                             None     null        str    {"s": "..."}
    bytes {"y": k} (uint8 blob)                  tuple    {"t": [...]}  list {"l": [...]}
    dict with str keys {"d": [[key, value], ...]}
    a function of the assignment's provided.py, by name: {"p": "name"} (trusted side only)

Decoding is strict: sizes, nesting depth and node counts are bounded, and anything else is a
``WireError``. This module is imported inside the sandbox too, so it depends on numpy and the
standard library only.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import struct
from typing import Any

import numpy as np

MAGIC = b"S30w"
MAX_FRAME = 256 * 1024 * 1024
MAX_HEADER = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_STRING = 64 * 1024
_PREFIX = struct.Struct("<4sQ")
_HEADER_LEN = struct.Struct("<I")


# The header np.save writes for a plain array, e.g. {'descr': '<f8', 'fortran_order': False,
# 'shape': (4, 5), }. Only plain numeric dtypes are accepted on this fast path.
_NPY_HEADER = re.compile(
    r"\{'descr': '([<>|=]?[biuf]\d{1,2})', 'fortran_order': (False|True), "
    r"'shape': \(((?:\d+, ?)*\d*)\), \} *\n"
)


class WireError(Exception):
    """A frame that is not well-formed data, or a value that cannot be sent."""


class ProvidedFunction:
    """Stands for ``provided.<name>`` on the other side of the boundary."""

    def __init__(self, name: str):
        self.name = name


class _Encoder:
    def __init__(self, provided_names: frozenset[str]):
        self.blobs: list[bytes] = []
        self.provided_names = provided_names
        self.nodes = 0

    def _blob(self, array: np.ndarray) -> int:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        self.blobs.append(buffer.getvalue())
        return len(self.blobs) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise WireError("value is nested too deeply or has too many parts")
        if value is None or isinstance(value, (bool, np.bool_)):
            return None if value is None else bool(value)
        if isinstance(value, (int, np.integer)):
            if not -(2**63) <= int(value) < 2**63:
                raise WireError("integer does not fit in int64")
            return {"i": self._blob(np.asarray(int(value), dtype=np.int64))}
        if isinstance(value, (float, np.floating)):
            return {"f": self._blob(np.asarray(float(value), dtype=np.float64))}
        if isinstance(value, str):
            return {"s": value[:MAX_STRING]}
        if isinstance(value, bytes):
            return {"y": self._blob(np.frombuffer(value, dtype=np.uint8))}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject or value.dtype.names is not None:
                raise WireError(f"arrays of dtype {value.dtype} cannot be sent")
            return {"a": self._blob(np.array(value, copy=False))}
        if isinstance(value, tuple):
            return {"t": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, list):
            return {"l": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise WireError("dict keys must be strings")
            return {"d": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, ProvidedFunction):
            return {"p": value.name}
        if callable(value) and getattr(value, "__name__", None) in self.provided_names:
            return {"p": value.__name__}
        raise WireError(
            f"a {type(value).__name__} is not data (arrays, numbers, strings, "
            "and tuples, lists and dicts of them)"
        )


def encode(message: dict, provided_names: frozenset[str] = frozenset()) -> bytes:
    """One frame holding ``message``."""
    encoder = _Encoder(provided_names)
    header = json.dumps(encoder.encode(message), separators=(",", ":")).encode()
    # A second small JSON list, the blob lengths, lets the reader split the blobs.
    table = json.dumps([len(b) for b in encoder.blobs]).encode()
    payload = b"".join(
        [_HEADER_LEN.pack(len(header)), header, _HEADER_LEN.pack(len(table)), table, *encoder.blobs]
    )
    return _PREFIX.pack(MAGIC, len(payload)) + payload


class _Decoder:
    def __init__(self, blobs: list[bytes], resolve_provided: Any):
        self.blobs = blobs
        self.resolve_provided = resolve_provided
        self.nodes = 0

    def _array(self, index: Any) -> np.ndarray:
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise WireError("bad blob reference")
        try:
            array = read_npy(self.blobs[index])
        except Exception as exc:  # any malformed .npy
            raise WireError(f"unreadable array: {exc}") from None
        if type(array) is not np.ndarray or array.dtype.hasobject:
            raise WireError("not a plain array")
        return array

    def _scalar(self, index: Any, dtype: type) -> Any:
        array = self._array(index)
        if array.shape != () or array.dtype != dtype:
            raise WireError("bad scalar")
        return array.item()

    def decode(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise WireError("value is nested too deeply or has too many parts")
        if node is None or isinstance(node, bool):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            raise WireError("bad node")
        ((tag, body),) = node.items()
        if tag == "a":
            return self._array(body)
        if tag == "i":
            return int(self._scalar(body, np.dtype(np.int64)))
        if tag == "f":
            return float(self._scalar(body, np.dtype(np.float64)))
        if tag == "s" and isinstance(body, str):
            return body[:MAX_STRING]
        if tag == "y":
            array = self._array(body)
            if array.dtype != np.uint8 or array.ndim != 1:
                raise WireError("bad bytes")
            return array.tobytes()
        if tag in ("t", "l") and isinstance(body, list):
            items = [self.decode(v, depth + 1) for v in body]
            return tuple(items) if tag == "t" else items
        if tag == "d" and isinstance(body, list):
            result = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                    raise WireError("bad dict entry")
                result[pair[0]] = self.decode(pair[1], depth + 1)
            return result
        if tag == "p" and isinstance(body, str) and self.resolve_provided is not None:
            return self.resolve_provided(body)
        raise WireError(f"unknown node {tag!r}")


def read_npy(blob: bytes) -> np.ndarray:
    """An array from .npy bytes, without pickle.

    np.save's own headers for numeric dtypes take a strict fast path (np.load spends most of
    its time in ``ast.literal_eval`` on the header); anything else goes through
    ``np.load(allow_pickle=False)``.
    """
    if blob[:8] == b"\x93NUMPY\x01\x00":
        (header_len,) = struct.unpack_from("<H", blob, 8)
        match = _NPY_HEADER.fullmatch(blob[10 : 10 + header_len].decode("latin1"))
        if match:
            dtype = np.dtype(match.group(1))
            shape = tuple(int(n) for n in match.group(3).replace(" ", "").split(",") if n)
            data = blob[10 + header_len :]
            count = int(np.prod(shape, dtype=np.int64))
            if len(data) != count * dtype.itemsize:
                raise WireError("array data does not match its shape")
            array = np.frombuffer(data, dtype=dtype, count=count)
            order = "F" if match.group(2) == "True" else "C"
            return array.reshape(shape, order=order).copy(order="C")
    return np.load(io.BytesIO(blob), allow_pickle=False)


def decode(payload: bytes, resolve_provided: Any = None) -> dict:
    """The message in one frame's payload; ``WireError`` unless it is well-formed data."""
    try:
        (header_len,) = _HEADER_LEN.unpack_from(payload, 0)
        if header_len > MAX_HEADER:
            raise WireError("header too large")
        header = payload[4 : 4 + header_len]
        offset = 4 + header_len
        (table_len,) = _HEADER_LEN.unpack_from(payload, offset)
        table = payload[offset + 4 : offset + 4 + table_len]
        offset += 4 + table_len
        tree = json.loads(header)
        lengths = json.loads(table)
    except (struct.error, ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise WireError(f"malformed frame: {exc}") from None
    if not (isinstance(lengths, list) and all(isinstance(n, int) and n >= 0 for n in lengths)):
        raise WireError("malformed blob table")
    if offset + sum(lengths) != len(payload):
        raise WireError("frame length does not match its blobs")
    blobs = []
    for n in lengths:
        blobs.append(payload[offset : offset + n])
        offset += n
    message = _Decoder(blobs, resolve_provided).decode(tree)
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise WireError("a message is a dict with an 'op'")
    return message


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def send(sock: socket.socket, message: dict, provided_names: frozenset[str] = frozenset()) -> None:
    sock.sendall(encode(message, provided_names))


def receive_with_fds(sock: socket.socket, max_fds: int = 1) -> tuple[dict, list[int]]:
    """One frame plus the file descriptors sent along with its first bytes (SCM_RIGHTS)."""
    data, fds, _, _ = socket.recv_fds(sock, _PREFIX.size, max_fds)
    if not data:
        raise EOFError("the other side closed the connection")
    try:
        prefix = data + _recv_exact(sock, _PREFIX.size - len(data))
        return _finish(sock, prefix, None, MAX_FRAME), list(fds)
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _finish(sock: socket.socket, prefix: bytes, resolve_provided: Any, max_frame: int) -> dict:
    magic, length = _PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise WireError("bad frame marker")
    if length > max_frame:
        raise WireError(f"frame of {length} bytes exceeds the limit of {max_frame}")
    return decode(_recv_exact(sock, length), resolve_provided)


def receive(sock: socket.socket, resolve_provided: Any = None, max_frame: int = MAX_FRAME) -> dict:
    """Block for one frame (``EOFError`` if the peer is gone, ``WireError`` if it is not data)."""
    return _finish(sock, _recv_exact(sock, _PREFIX.size), resolve_provided, max_frame)


def vary(args: tuple, index: int, path: list, element: int, delta: float) -> tuple:
    """``args`` with one number moved by ``delta``: element ``element`` (flat, C order) of the
    array at ``path`` inside argument ``index`` (a float argument is moved itself).

    Central differences send the base arguments once and a list of these variations; both
    sides apply them with this one function. Containers along the path are copied, the moved
    array is a new float64 array, nothing is modified in place.
    """

    def moved(value: Any, rest: list) -> Any:
        if not rest:
            if isinstance(value, (int, float, np.integer, np.floating)):
                return float(value) + delta
            array = np.array(value, dtype=np.float64, copy=True)
            array.reshape(-1)[element] += delta
            return array
        key, tail = rest[0], rest[1:]
        if isinstance(value, dict):
            return {**value, key: moved(value[key], tail)}
        items = list(value)
        items[key] = moved(items[key], tail)
        return type(value)(items)

    changed = list(args)
    changed[index] = moved(changed[index], list(path))
    return tuple(changed)
