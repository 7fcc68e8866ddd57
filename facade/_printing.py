"""Text rendering of tensors, matching PyTorch's ``repr(tensor)`` exactly.

This module is deliberately free of torch and of the rest of facade: it works
on plain numpy data plus a few pieces of metadata (dtype name, device, autograd
state), so the Tensor class can call :func:`format_tensor` for both ``repr``
and ``str`` (which are identical in PyTorch).

Outline of the algorithm (PyTorch 2.x behaviour):

* The data is converted to exact Python-friendly values (float64 for every
  floating dtype, complex128 for complex, int64 for integers).
* If the tensor has more than ``threshold`` elements it is *summarised*: each
  dimension keeps only ``edgeitems`` entries at both ends, with ``...`` between.
* One :class:`_ElementFormatter` looks at all *visible* values and decides the
  shared style (integral floats ``3.``, fixed point, or scientific) and the
  column width every element is right-aligned to.  Complex tensors get one
  formatter for the real parts and one for the imaginary parts.
* Rows are wrapped at ``linewidth``; nested dimensions are joined with
  ``",\\n"`` (blank lines between deeper blocks) and indented one extra space
  per bracket level.
* Suffixes (``device=``, ``dtype=``, ``size=``, ``grad_fn=``/``requires_grad=``)
  are appended, wrapping onto a new line when the last line would get too long.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any

import numpy as np

try:  # ml_dtypes ships with jax; only needed to round values to bfloat16.
    import ml_dtypes

    _BFLOAT16 = ml_dtypes.bfloat16
except ImportError:  # pragma: no cover - exercised only without jax installed
    _BFLOAT16 = None

__all__ = [
    "PrintOptions",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
    "format_tensor",
]


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------


@dataclasses.dataclass
class PrintOptions:
    """Global knobs, mirroring ``torch.set_printoptions``."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = PrintOptions()

# Presets selectable through ``set_printoptions(profile=...)``.
_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
) -> None:
    """Update the global print options (same semantics as torch).

    A known ``profile`` is applied first and explicit arguments override it.
    Unknown profile names are ignored.  As in torch, ``sci_mode`` is always
    assigned, so omitting it resets it to automatic (``None``).
    """
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(_OPTIONS, name, value)
    explicit = dict(
        precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth
    )
    for name, value in explicit.items():
        if value is not None:
            setattr(_OPTIONS, name, value)
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current options as a dict that can be fed back to set_printoptions."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options inside a ``with`` block."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------
# Dtype handling
# --------------------------------------------------------------------------

_FLOAT_DTYPES = {"float16", "bfloat16", "float32", "float64"}
_COMPLEX_DTYPES = {"complex64", "complex128"}

# numpy type used to round the incoming data to the tensor's real precision.
_STORAGE_TYPES = {
    "float16": np.float16,
    "bfloat16": _BFLOAT16,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
    "complex128": np.complex128,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "bool": np.bool_,
}


def _exact_values(values, dtype: str) -> np.ndarray:
    """Return the data as float64/complex128/int64/bool holding exact values.

    The data is first cast to the tensor's own precision (a no-op when the
    caller already passes that dtype, e.g. bfloat16 values held in float32).
    """
    if dtype not in _STORAGE_TYPES:
        raise ValueError(f"unsupported dtype for printing: {dtype!r}")
    array = np.asarray(values)
    storage = _STORAGE_TYPES[dtype]
    if storage is not None:
        array = array.astype(storage)
    if dtype in _FLOAT_DTYPES:
        return array.astype(np.float64)
    if dtype in _COMPLEX_DTYPES:
        return array.astype(np.complex128)
    if dtype == "bool":
        return array.astype(np.bool_)
    return array.astype(np.int64)


def _shows_dtype(dtype: str, default_dtype: str) -> bool:
    """torch omits ``dtype=`` for the defaults: float, its complex twin, int64, bool."""
    default_complex = "complex128" if default_dtype == "float64" else "complex64"
    return dtype not in (default_dtype, default_complex, "int64", "bool")


# --------------------------------------------------------------------------
# Element formatting
# --------------------------------------------------------------------------


class _ElementFormatter:
    """Shared style and column width for a set of real (or integer) values."""

    def __init__(self, visible: np.ndarray, floating: bool, opts: PrintOptions):
        self.floating = floating
        self.precision = opts.precision
        self.int_mode = True  # every value is a whole number -> print "3."
        self.sci_mode = False
        self.width = 1
        flat = visible.reshape(-1)
        if floating:
            self._inspect_floats(flat, opts.sci_mode)
        else:
            for value in flat.tolist():
                self.width = max(self.width, len(str(value)))

    def _inspect_floats(self, flat: np.ndarray, forced_sci: bool | None) -> None:
        # Only non-zero finite numbers influence the style and the width.
        useful = flat[np.isfinite(flat) & (flat != 0)]
        if useful.size == 0:
            return
        magnitudes = np.abs(useful)
        largest, smallest = magnitudes.max(), magnitudes.min()
        self.int_mode = bool(np.all(useful == np.ceil(useful)))
        if forced_sci is None:
            with np.errstate(over="ignore"):  # e.g. 1e300 / 1e-300 -> inf is fine
                spread = largest / smallest
            self.sci_mode = bool(spread > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = forced_sci
        for value in useful.tolist():
            self.width = max(self.width, self._measure(value))

    def _measure(self, value: float) -> int:
        """Length of a value's text before padding (integral floats get a '.')."""
        if self.sci_mode:
            return len(f"{value:.{self.precision}e}")
        if self.int_mode:
            return len(f"{value:.0f}") + 1
        return len(f"{value:.{self.precision}f}")

    def format(self, value) -> str:
        """Right-align one element to the shared column width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


class _ComplexFormatter:
    """Pairs a real-part and an imaginary-part formatter: ``1.5000+2.0000j``."""

    def __init__(self, visible: np.ndarray, opts: PrintOptions):
        self.real = _ElementFormatter(visible.real, True, opts)
        self.imag = _ElementFormatter(visible.imag, True, opts)
        self.width = self.real.width + self.imag.width + 1  # +1 for the 'j'

    def format(self, value: complex) -> str:
        real_text = self.real.format(value.real)
        imag_text = (self.imag.format(value.imag) + "j").lstrip()
        if imag_text[0] not in "+-":
            imag_text = "+" + imag_text
        return real_text + imag_text


# --------------------------------------------------------------------------
# Layout of the nested brackets
# --------------------------------------------------------------------------


def _visible_values(array: np.ndarray, edge: int) -> np.ndarray:
    """Flat array of the values that survive summarisation (those printed).

    Note: with ``edge == 0`` a 1-D slice ``[-0:]`` keeps everything, while
    higher dimensions keep nothing; this mirrors torch's own quirk.
    """
    if array.ndim == 0:
        return array.reshape(1)
    if array.ndim == 1:
        if array.shape[0] > 2 * edge:
            return np.concatenate([array[:edge], array[-edge:]])
        return array
    if not edge:
        return array.reshape(-1)[:0]
    kept = [sub for sub in _kept_rows(array, edge, True) if sub is not None]
    return np.concatenate([_visible_values(sub, edge) for sub in kept])


def _kept_rows(array: np.ndarray, edge: int, summarize: bool) -> list:
    """Sub-arrays along axis 0 that are printed; ``None`` marks the ellipsis."""
    count = array.shape[0]
    if summarize and count > 2 * edge:
        return [array[i] for i in range(edge)] + [None] + [
            array[i] for i in range(count - edge, count)
        ]
    return [array[i] for i in range(count)]


def _render_row(row, indent, summarize, formatter, opts: PrintOptions) -> str:
    """A 1-D slice: elements separated by ", ", wrapped to fit the line width."""
    slot = formatter.width + 2  # element plus its ", " separator
    per_line = max(1, math.floor((opts.linewidth - indent) / slot))
    edge = opts.edgeitems
    if summarize and not edge:
        cells = ["..."]
    elif summarize and row.shape[0] > 2 * edge:
        head = [formatter.format(v) for v in row[:edge].tolist()]
        tail = [formatter.format(v) for v in row[-edge:].tolist()]
        cells = head + [" ..."] + tail
    else:
        cells = [formatter.format(v) for v in row.tolist()]
    lines = [", ".join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _render(array, indent, summarize, formatter, opts: PrintOptions) -> str:
    """Recursively render an N-d array, indenting one space per nesting level."""
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _render_row(array, indent, summarize, formatter, opts)
    blocks = [
        "..." if sub is None else _render(sub, indent + 1, summarize, formatter, opts)
        for sub in _kept_rows(array, opts.edgeitems, summarize)
    ]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _render_body(data: np.ndarray, dtype: str, indent: int, opts: PrintOptions) -> str:
    """The bracketed contents of a non-empty tensor."""
    summarize = data.size > opts.threshold
    visible = _visible_values(data, opts.edgeitems) if summarize else data
    if dtype in _COMPLEX_DTYPES:
        formatter = _ComplexFormatter(visible, opts)
    else:
        formatter = _ElementFormatter(visible, dtype in _FLOAT_DTYPES, opts)
    return _render(data, indent, summarize, formatter, opts)


def _append_suffixes(text: str, suffixes: list[str], indent: int, linewidth) -> str:
    """Add ``, key=value`` suffixes, moving to a new line when one won't fit.

    The length of the last line is estimated the way torch does it (which
    over-counts by two when the text has no newline at all).
    """
    pieces = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(pieces) + ")"


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


def format_tensor(
    values,
    *,
    dtype: str,
    device: str | None = None,
    requires_grad: bool = False,
    grad_fn: str | None = None,
    default_dtype: str = "float32",
    is_parameter: bool = False,
) -> str:
    """Return exactly what ``repr(tensor)`` (== ``str(tensor)``) gives in torch.

    ``values`` is the tensor data as a numpy array; ``dtype`` is the tensor's
    dtype name (e.g. ``"bfloat16"``) and decides the behaviour, whatever the
    numpy dtype of ``values`` is.  ``device`` is ``None`` (or ``"cpu"``) for
    CPU tensors; anything else is shown as ``device='...'``.
    """
    opts = _OPTIONS
    data = _exact_values(values, dtype)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    if device is not None and str(device).split(":")[0] != "cpu":
        suffixes.append(f"device='{device}'")

    if data.size == 0:
        # Nothing to infer the dtype from, so only the default float is implicit.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype != default_dtype:
            suffixes.append(f"dtype=torch.{dtype}")
        body = "[]"
    else:
        if not opts.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if _shows_dtype(dtype, default_dtype):
            suffixes.append(f"dtype=torch.{dtype}")
        body = _render_body(data, dtype, indent, opts)

    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    text = _append_suffixes(prefix + body, suffixes, indent, opts.linewidth)
    if is_parameter:
        text = "Parameter containing:\n" + text
    return text
