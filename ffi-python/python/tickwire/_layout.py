"""The numpy dtype of one event, built from the layout the Rust core exports."""

from __future__ import annotations

from typing import Dict, Tuple, Union

import numpy as np

from . import _native

# numpy type of each field of the Rust `Event` (little-endian: x86-64 and aarch64 wheels).
_FORMATS: Dict[str, Union[str, Tuple[str, Tuple[int]]]] = {
    "ts_recv": "<i8",
    "ts_exchange": "<i8",
    "seq": "<u8",
    "instrument": "<u4",
    "venue": "<u2",
    "kind": "u1",
    "side": "u1",
    "flags": "<u2",
    "px_exp": "i1",
    "qty_exp": "i1",
    "aux": "<u4",
    "v": ("<i8", (5,)),
}


def _event_dtype() -> np.dtype:
    names = [name for name, _, _ in _native.EVENT_FIELDS]
    missing = set(names) ^ set(_FORMATS)
    if missing:  # the core changed the record: refuse to guess
        raise ImportError(f"tickwire: event layout changed (fields {sorted(missing)})")
    dtype = np.dtype(
        {
            "names": names,
            "formats": [_FORMATS[n] for n in names],
            "offsets": [off for _, off, _ in _native.EVENT_FIELDS],
            "itemsize": _native.EVENT_SIZE,
        }
    )
    for name, off, size in _native.EVENT_FIELDS:
        ftype, foff = dtype.fields[name][:2]  # type: ignore[index]
        if foff != off or ftype.itemsize != size:
            raise ImportError(f"tickwire: dtype field {name} disagrees with the Rust layout")
    return dtype


#: The structured dtype of one 80-byte event, field by field the Rust `#[repr(C)] Event`.
EVENT_DTYPE: np.dtype = _event_dtype()
