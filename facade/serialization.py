"""facade.save / facade.load: checkpoints without pickle.

A facade checkpoint is a zip archive (stored, not compressed) holding

* ``facade/manifest.json``: ``{"format": "facade", "version": 1, "arrays": [...], "root": ...}``
* ``facade/arrays/<i>.npy``: one numpy ``.npy`` file per tensor or numpy array
  (bfloat16 data is stored as its uint16 bit pattern; the manifest records the real dtype).

``arrays[i]`` describes array i: ``{"file", "dtype", "shape", "kind": "tensor" | "ndarray"}``
plus, for tensors, ``"requires_grad"``, ``"parameter"`` and ``"device"``. ``root`` is the saved
object as JSON, where a JSON array is a Python list and every JSON object has exactly one
key naming what it encodes:

==============================  ==================================================
``{"tuple": [...]}``            a tuple
``{"dict": [[k, v], ...]}``     a dict (keys encoded like values: ints stay ints)
``{"OrderedDict": [...]}``      a collections.OrderedDict, same layout
``{"tensor": i}``               the tensor in ``arrays[i]`` (one tensor saved twice
                                is stored once and loads as one object)
``{"ndarray": i}``              the numpy array in ``arrays[i]``
``{"float": "inf"}``            a non-finite float ("inf", "-inf", "nan")
``{"complex": [re, im]}``       a complex number
``{"dtype": "float32"}``        a facade dtype
``{"device": "cuda:0"}``        a facade device
``{"size": [2, 3]}``            a torch.Size
``{"bytes": "<base64>"}``       a bytes object
==============================  ==================================================

JSON null / booleans / numbers / strings are None / bool / int or float / str. Nothing
else can be saved (an object of another type raises TypeError naming it), and loading
never runs code from the file: ``weights_only`` is accepted and changes nothing. Views are
saved as their own data (storage sharing between different tensors is not kept).

PyTorch checkpoints (``torch.save`` files, zip or legacy pickle) are recognised and refused
with instructions to convert them.
"""
import base64
import collections
import io
import json
import math
import os
import zipfile

import numpy as np

from . import _dtype
from ._device import device as _device_cls
from ._tensor import Size, Tensor

__all__ = ["save", "load"]

FORMAT, VERSION = "facade", 1
_MANIFEST = "facade/manifest.json"
_TORCH_HINT = (
    "To convert it, load it with PyTorch and save plain arrays, e.g. "
    "`sd = torch.load(path, map_location='cpu'); "
    "facade.save({k: facade.tensor(v.numpy()) for k, v in sd.items()}, new_path)` "
    "(for nested checkpoints convert every tensor with `.detach().cpu().numpy()`)."
)


def _name_of(f):
    if isinstance(f, (str, bytes, os.PathLike)):
        return os.fsdecode(f)
    return getattr(f, "name", None) or repr(f)


def _is_parameter(t):
    return type(t).__name__ == "Parameter" or bool(t.__dict__.get("_is_param"))


# ---- save -------------------------------------------------------------------------------
class _Writer:
    """Encodes an object to the JSON layout above, collecting arrays to write."""

    def __init__(self):
        self.arrays = []  # (entry, numpy array)
        self.tensor_ids = {}  # id(tensor) -> index (a tensor saved twice is stored once)
        self._keep = []  # the tensors indexed by id, kept alive while saving

    def array(self, arr, entry):
        i = len(self.arrays)
        entry = dict(entry, file=f"facade/arrays/{i}.npy", shape=list(arr.shape))
        self.arrays.append((entry, arr))
        return i

    def tensor(self, t):
        i = self.tensor_ids.get(id(t))
        if i is None:
            arr = t._array()
            i = self.array(arr, {"kind": "tensor", "dtype": t.dtype.name, "requires_grad": bool(t.requires_grad),
                                 "parameter": _is_parameter(t), "device": str(t.device)})
            self.tensor_ids[id(t)] = i
            self._keep.append(t)
        return {"tensor": i}

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                raise TypeError("facade.save: numpy arrays of Python objects cannot be saved")
            dt = "bfloat16" if obj.dtype == _dtype.bfloat16.np else obj.dtype.str
            return {"ndarray": self.array(obj, {"kind": "ndarray", "dtype": dt})}
        if isinstance(obj, np.generic):
            return self.encode(obj.item())
        if isinstance(obj, complex):
            return {"complex": [self.encode(obj.real), self.encode(obj.imag)]}
        if isinstance(obj, _dtype.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, _device_cls):
            return {"device": str(obj)}
        if isinstance(obj, Size):
            return {"size": list(obj)}
        if isinstance(obj, bytes):
            return {"bytes": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, collections.OrderedDict):
            return {"OrderedDict": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if type(obj) is dict:
            return {"dict": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if type(obj) is list:
            return [self.encode(v) for v in obj]
        if type(obj) is tuple:
            return {"tuple": [self.encode(v) for v in obj]}
        raise TypeError(
            f"facade.save cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__}: only "
            "tensors, numpy arrays, dicts, OrderedDicts, lists, tuples, numbers, strings, bytes, None, dtypes, "
            "devices and torch.Size can be saved (facade checkpoints hold no pickled objects; to save a module or "
            "an optimizer, save its state_dict())"
        )


def _npy_bytes(arr):
    if arr.dtype == _dtype.bfloat16.np:
        arr = arr.view(np.uint16)  # .npy has no bfloat16: store the bit pattern
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` to the path or writable binary file `f` in facade's checkpoint format."""
    w = _Writer()
    root = w.encode(obj)
    manifest = {"format": FORMAT, "version": VERSION, "arrays": [e for e, _ in w.arrays], "root": root}
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest, allow_nan=False))
        for entry, arr in w.arrays:
            zf.writestr(entry["file"], _npy_bytes(arr))


# ---- load -------------------------------------------------------------------------------
class _Reader:
    """Decodes the JSON layout, building each array entry once."""

    def __init__(self, zf, manifest, map_location, name):
        self.zf, self.entries, self.name = zf, manifest["arrays"], name
        self.map_location = map_location
        self.built = {}

    def _bad(self, why):
        return RuntimeError(f"facade.load: '{self.name}' is a corrupt facade checkpoint ({why})")

    def _array(self, i):
        entry = self.entries[i]
        try:
            with self.zf.open(entry["file"]) as fh:
                arr = np.lib.format.read_array(fh, allow_pickle=False)
        except (KeyError, ValueError, OSError, zipfile.BadZipFile) as e:
            raise self._bad(f"array {i}: {e}") from None
        if list(arr.shape) != list(entry["shape"]):
            raise self._bad(f"array {i} has shape {list(arr.shape)}, the manifest says {entry['shape']}")
        if entry.get("dtype") == "bfloat16":
            arr = arr.view(_dtype.bfloat16.np)  # stored as its uint16 bit pattern
        return arr

    def _tensor(self, i):
        from ._creation import _from_array

        entry = self.entries[i]
        d = _dtype._NAMES.get(entry.get("dtype"))
        if d is None:
            raise self._bad(f"unknown dtype {entry.get('dtype')!r}")
        t = _from_array(self._array(i), d)
        t = self._place(t, entry.get("device", "cpu"))
        if entry.get("parameter"):
            return _as_parameter(t, bool(entry.get("requires_grad")))
        return t.requires_grad_(True) if entry.get("requires_grad") else t

    def _place(self, t, location):
        ml = self.map_location
        if ml is None:
            target = location
        elif callable(ml) and not isinstance(ml, (str, _device_cls)):
            out = ml(t, location)
            return out if isinstance(out, Tensor) else t
        elif isinstance(ml, dict):
            target = ml.get(location, location)
        else:
            target = ml
        target = _device_cls(str(target))
        if target == t.device:
            return t
        if target.type == "cuda":
            from ._device import cuda

            if not cuda.is_available():
                raise RuntimeError(
                    "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. If you "
                    "are running on a CPU-only machine, please use torch.load with map_location=torch.device('cpu') "
                    "to map your storages to the CPU.")
        return t.to(target)

    def decode(self, x):
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [self.decode(v) for v in x]
        if not isinstance(x, dict) or len(x) != 1:
            raise self._bad(f"unexpected manifest entry {str(x)[:80]}")
        (tag, v), = x.items()
        if tag in ("tensor", "ndarray"):
            if not isinstance(v, int) or not 0 <= v < len(self.entries):
                raise self._bad(f"no array {v!r}")
            if v not in self.built:
                self.built[v] = self._tensor(v) if tag == "tensor" else self._array(v)
            return self.built[v]
        if tag == "tuple":
            return tuple(self.decode(e) for e in v)
        if tag in ("dict", "OrderedDict"):
            items = [(self.decode(k), self.decode(val)) for k, val in v]
            return dict(items) if tag == "dict" else collections.OrderedDict(items)
        if tag == "float":
            return float(v)
        if tag == "complex":
            return complex(self.decode(v[0]), self.decode(v[1]))
        if tag == "dtype":
            return _dtype._NAMES[v]
        if tag == "device":
            return _device_cls(v)
        if tag == "size":
            return Size(v)
        if tag == "bytes":
            return base64.b64decode(v)
        raise self._bad(f"unknown entry type {tag!r}")


def _as_parameter(t, requires_grad):
    """A loaded Parameter: facade.nn.Parameter when facade.nn exists, else a flagged tensor."""
    try:
        from .nn import Parameter
    except ImportError:
        t.requires_grad_(requires_grad)
        t.__dict__["_is_param"] = True
        return t
    return Parameter(t, requires_grad=requires_grad)


def _foreign(head, zf_names, name):
    """The error for a file that is not a facade checkpoint, recognising PyTorch's formats."""
    if any(n.endswith("data.pkl") for n in zf_names):
        return RuntimeError(f"facade.load: '{name}' is a PyTorch checkpoint (torch.save zip format), not a facade "
                            f"checkpoint; facade never unpickles files. {_TORCH_HINT}")
    if head[:1] == b"\x80":
        return RuntimeError(f"facade.load: '{name}' is a pickle file (a legacy PyTorch checkpoint?), not a facade "
                            f"checkpoint; facade never unpickles files. {_TORCH_HINT}")
    what = "a zip archive without a facade manifest" if zf_names else "not a zip archive"
    return RuntimeError(f"facade.load: '{name}' is not a facade checkpoint ({what}); facade.load reads files "
                        "written by facade.save")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved by facade.save from a path or readable binary file.

    `map_location` (a device or string, a {saved: target} dict, or a callable(tensor,
    saved_location) -> tensor) moves tensors as they load. `weights_only` is accepted for
    compatibility: facade checkpoints never contain code, whatever it says.
    """
    name = _name_of(f)
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_stream(fh, name, map_location)
    return _load_stream(f, name, map_location)


def _load_stream(fh, name, map_location):
    start = fh.tell() if hasattr(fh, "tell") else 0
    head = fh.read(16)
    fh.seek(start)
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise _foreign(head, [], name) from None
    with zf:
        names = zf.namelist()
        if _MANIFEST not in names:
            raise _foreign(head, names, name)
        try:
            manifest = json.loads(zf.read(_MANIFEST).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as e:
            raise RuntimeError(f"facade.load: '{name}' is a corrupt facade checkpoint (unreadable manifest: {e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or "root" not in manifest:
            raise RuntimeError(f"facade.load: '{name}' is a corrupt facade checkpoint (bad manifest)")
        if manifest.get("version") != VERSION:
            raise RuntimeError(f"facade.load: '{name}' has facade checkpoint version {manifest.get('version')!r}; "
                               f"this facade reads version {VERSION}")
        return _Reader(zf, manifest, map_location, name).decode(manifest["root"])
