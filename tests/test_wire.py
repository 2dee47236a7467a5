"""The sandbox boundary codec: data only, strictly bounded."""

import io
import pickle

import numpy as np
import pytest

from autograder.sandbox import wire


def roundtrip(message):
    return wire.decode(wire.encode(message)[12:])


def test_every_kind_of_data_survives():
    message = {
        "op": "x",
        "value": (
            np.arange(6.0).reshape(2, 3),
            3,
            2.5,
            "text",
            None,
            True,
            b"\x00\x01",
            [np.int64(4), {"k": np.zeros((0, 2))}],
            np.float64(1.5),
            np.bool_(False),
        ),
    }
    back = roundtrip(message)["value"]
    assert np.array_equal(back[0], message["value"][0]) and type(back[0]) is np.ndarray
    assert back[1:7] == (3, 2.5, "text", None, True, b"\x00\x01")
    assert back[7][0] == 4 and back[7][1]["k"].shape == (0, 2)
    assert back[8] == 1.5 and back[9] is False


@pytest.mark.parametrize(
    "array",
    [
        np.random.default_rng(0).standard_normal((3, 4)),
        np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        np.arange(5, dtype=np.int32),
        np.arange(4.0).astype(">f8"),
        np.array(7.0),
        np.array([True, False]),
        np.zeros((2, 0, 3)),
        np.array(["text"]),
    ],
)
def test_fast_reader_agrees_with_np_load(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    fast = wire.read_npy(buffer.getvalue())
    slow = np.load(io.BytesIO(buffer.getvalue()), allow_pickle=False)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    assert np.array_equal(fast, slow)


def test_subclasses_cross_as_plain_arrays():
    class Anything(np.ndarray):
        def __eq__(self, other):
            return True

    back = roundtrip({"op": "x", "v": np.full(3, 42.0).view(Anything)})["v"]
    assert type(back) is np.ndarray and not np.array_equal(back, np.zeros(3))


@pytest.mark.parametrize(
    "value",
    [
        lambda: 1,
        object(),
        np.array([object()], dtype=object),
        {1: "non-string key"},
        2**70,
    ],
)
def test_non_data_is_refused_when_sending(value):
    with pytest.raises(wire.WireError):
        wire.encode({"op": "x", "v": value})


def test_provided_functions_cross_by_name_only():
    def step_fn(d, e):
        return d

    frame = wire.encode({"op": "x", "f": step_fn}, provided_names=frozenset({"step_fn"}))
    back = wire.decode(frame[12:], resolve_provided=lambda name: f"resolved {name}")
    assert back["f"] == "resolved step_fn"
    with pytest.raises(wire.WireError):
        wire.decode(frame[12:])  # nobody to resolve it: refused


def test_pickles_and_malformed_frames_are_refused():
    with pytest.raises(wire.WireError):
        wire.decode(pickle.dumps({"op": "x"}))
    with pytest.raises(wire.WireError):
        wire.decode(b"\x00\x00\x00\x00")
    object_array = io.BytesIO()
    np.save(object_array, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError, match="unreadable array"):
        wire._Decoder([object_array.getvalue()], None).decode({"a": 0})
    frame = wire.encode({"op": "x", "v": np.zeros(2)})
    with pytest.raises(wire.WireError, match="frame length"):
        wire.decode(frame[12:] + b"trailing")


def test_nesting_depth_is_bounded():
    deep = [[]]
    for _ in range(100):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.encode({"op": "x", "v": deep})
    header = ('{"d":[["op",{"s":"x"}],["v",' + '{"l":[' * 60 + "]}" * 60 + "]]}").encode()
    table = b"[]"
    payload = len(header).to_bytes(4, "little") + header + len(table).to_bytes(4, "little") + table
    with pytest.raises(wire.WireError, match="nested"):
        wire.decode(payload)
