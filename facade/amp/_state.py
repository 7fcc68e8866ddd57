"""Autocast's state and the casts that listed ops apply on entry.

`ON[0]` is the one flag the frontends of autocast-listed ops check: it is True while
autocast is enabled for some device type, so with autocast off a listed op pays one list
lookup and nothing else (ops on no list are untouched). When it is on, a listed op calls
`cast_args(name, *tensors)`, which looks up the op's policy for its inputs' device type and
returns the operands cast (with recorded `.to(dtype)` ops, so gradients flow back to each
operand in its own dtype). `off()` suspends autocast for the body of a listed op whose
implementation casts internally (PyTorch runs a listed op's kernel below autocast).

This module imports nothing from facade at load time: the op modules import it while
facade itself is still being imported.
"""

ON = [False]

# per device type: enabled, the autocast dtype (names: facade dtypes are resolved lazily)
ENABLED = {"cpu": False, "cuda": False}
DTYPE = {"cpu": "bfloat16", "cuda": "float16"}
CACHE_ENABLED = [True]
NESTING = [0]
_CACHE = {}  # id(float32 leaf) -> (leaf, its cast): the leaf is kept so its id is not reused

# PyTorch's autocast op lists ("Automatic Mixed Precision package" docs), restricted to the
# ops facade has. "lower": run in the autocast dtype; "fp32": run in float32; "promote":
# run in the widest floating type of the inputs.
_LOWER_COMMON = ("matmul", "mm", "bmm", "addmm", "baddbmm", "addbmm", "linear", "conv1d", "conv2d", "conv3d",
                 "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu")
_CPU_FP32 = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
             "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy", "cdist", "trace")
_CUDA_FP32 = ("mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy_with_logits", "kl_div", "nll_loss",
              "cross_entropy", "cdist")
POLICY = {
    "cpu": dict([(n, "lower") for n in _LOWER_COMMON + ("scaled_dot_product_attention",)]
                + [(n, "fp32") for n in _CPU_FP32] + [(n, "promote") for n in ("cat", "stack")]),
    "cuda": dict([(n, "lower") for n in _LOWER_COMMON + ("mv", "addmv", "addr")]
                 + [(n, "fp32") for n in _CUDA_FP32] + [(n, "promote") for n in ("bilinear", "dot")]),
}
# ops PyTorch refuses to run in an enabled region of that device type
_UNSAFE = {"cuda": "binary_cross_entropy"}


def refresh():
    ON[0] = ENABLED["cpu"] or ENABLED["cuda"]


def _device_type(args):
    for a in args:
        dev = getattr(a, "device", None)
        if dev is not None:
            return dev.type
    return "cpu"


def _eligible(a):
    """Whether autocast casts this operand: a floating tensor that is not float64."""
    d = getattr(a, "dtype", None)
    return d is not None and d.category == 2 and d.name != "float64" and hasattr(a, "_node")


def _cast(a, target, lower):
    if a.dtype is target:
        return a
    if lower and CACHE_ENABLED[0] and a.dtype.name == "float32" and a.requires_grad and a.grad_fn is None \
            and a._view is None and _grad_enabled():
        hit = _CACHE.get(id(a))
        if hit is not None and hit[0] is a and hit[1].dtype is target:
            return hit[1]
        out = a.to(target)
        _CACHE[id(a)] = (a, out)
        return out
    return a.to(target)


def _grad_enabled():
    from .._grad_mode import STATE

    return STATE[0]


def cast_args(name, *args):
    """The operands of op `name` as autocast runs it (unchanged when it is on no list for
    their device type, or autocast is off there), always as a tuple. Non-tensors (None,
    numbers) pass through."""
    dev = _device_type(args)
    if not ENABLED.get(dev):
        return args
    if name == _UNSAFE.get(dev):
        raise RuntimeError(
            "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
            "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
            "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
            "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
            "safe to autocast."
        )
    policy = POLICY[dev].get(name)
    if policy is None:
        return args
    from .. import _dtype

    if policy == "lower":
        target = getattr(_dtype, DTYPE[dev])
    elif policy == "fp32":
        target = _dtype.float32
    else:  # promote: float32 when any eligible operand is float32 (or wider than the autocast dtype)
        target = getattr(_dtype, DTYPE[dev])
        for a in args:
            if _eligible(a) and a.dtype is not target:
                target = _dtype.float32
                break
    lower = policy == "lower"
    return tuple([_cast(a, target, lower) if _eligible(a) else a for a in args])


def clear_cache():
    _CACHE.clear()


class off:
    """Autocast suspended (for the body of a listed op that casts internally, as PyTorch runs
    a listed op's kernel below autocast)."""

    def __enter__(self):
        self.saved = dict(ENABLED)
        ENABLED["cpu"] = ENABLED["cuda"] = False
        ON[0] = False

    def __exit__(self, *exc):
        ENABLED.update(self.saved)
        refresh()
        return False
