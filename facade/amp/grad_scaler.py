"""torch.amp.GradScaler: loss scaling for mixed-precision training.

The loss is multiplied by a scale before backward so small float16 gradients do not flush
to zero; `step` first divides the gradients by the scale ("unscales" them) and skips the
optimizer step when any gradient is inf or NaN; `update` then halves the scale after a
skipped step and doubles it after `growth_interval` steps in a row without one.

The unscale and the inf/NaN check are facade tensor ops run under no_grad, so they also
trace inside `facade.jit`. Like PyTorch, `step` reads the found-inf flag back to Python
(one `.item()`, a device sync) to decide whether to call `optimizer.step`.
"""
import warnings
from collections import defaultdict

_READY, _UNSCALED, _STEPPED = 0, 1, 2


def _fresh_state():
    return {"stage": _READY, "found_inf_per_device": {}}


class GradScaler:
    """Scales losses and unscales gradients for mixed-precision training.

    Typical use::

        scaler = torch.amp.GradScaler("cuda")
        with torch.autocast("cuda"):
            loss = model(x).sum()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    A disabled scaler (`enabled=False`, or "cuda" with no GPU) makes every method a pass-through.
    """

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            from .._device import cuda

            if not cuda.is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                self._enabled = False
        if self._enabled:
            assert growth_factor > 1.0, "The growth factor must be > 1.0."
            assert backoff_factor < 1.0, "The backoff factor must be < 1.0."
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = defaultdict(_fresh_state)

    # ---- internals -------------------------------------------------------------------
    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        assert self._scale is not None, f"Attempted {funcname} but _scale is None.  " + fix
        assert self._growth_tracker is not None, f"Attempted {funcname} but _growth_tracker is None.  " + fix
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev):
        from .. import _creation, _dtype

        self._scale = _creation.full((), self._init_scale, dtype=_dtype.float32, device=dev)
        self._growth_tracker = _creation.full((), self._init_growth_tracker, dtype=_dtype.int32, device=dev)

    def _unscale_grads_(self, optimizer, inv_scale, found_inf, allow_fp16):
        """Multiply every gradient by inv_scale in place; return {device: found-inf flag (0./1.)}."""
        from .. import _dtype
        from .._grad_mode import no_grad
        from .._ops.frontend import FUNCTIONS

        isfinite, logical_not, maximum = FUNCTIONS["isfinite"], FUNCTIONS["logical_not"], FUNCTIONS["maximum"]
        per_device = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    g = param.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype is _dtype.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    dev = g.device
                    flag = per_device.get(dev)
                    if flag is None:
                        flag = found_inf.to(device=dev) if dev != found_inf.device else found_inf.clone()
                    bad = logical_not(isfinite(g)).any().to(_dtype.float32)  # checked before the multiply
                    per_device[dev] = maximum(flag, bad)
                    g.mul_(inv_scale.to(device=dev) if dev != inv_scale.device else inv_scale)
        return per_device

    def _found_inf_any(self, state):
        total = 0.0
        for v in state["found_inf_per_device"].values():
            total += v.item()
        return bool(total)

    # ---- public API ------------------------------------------------------------------
    def scale(self, outputs):
        """outputs (a tensor, or nested lists / tuples of them) multiplied by the current scale."""
        if not self._enabled:
            return outputs
        from .._tensor import Tensor

        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            s = self._scale if self._scale.device == outputs.device else self._scale.to(device=outputs.device)
            return outputs * s

        def apply(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(val.device)
                s = self._scale if self._scale.device == val.device else self._scale.to(device=val.device)
                return val * s
            if isinstance(val, (list, tuple)):
                return type(val)(apply(v) for v in val)
            if hasattr(val, "__iter__"):
                return map(apply, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def unscale_(self, optimizer):
        """Divide optimizer's gradients by the scale in place (once per optimizer between updates)."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from .. import _creation, _dtype

        inv_scale = self._scale.double().reciprocal().float()
        found_inf = _creation.full((), 0.0, dtype=_dtype.float32, device=self._scale.device)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf, False)
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless unscale_ was called) and run optimizer.step(*args, **kwargs) unless a
        gradient is inf/NaN; returns optimizer.step's value (None when the step is skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _READY:
            self.unscale_(optimizer)
        assert len(state["found_inf_per_device"]) > 0, "No inf checks were recorded for this optimizer."
        retval = None
        if not self._found_inf_any(state):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return retval

    def update(self, new_scale=None):
        """Set the next scale: new_scale (a float or one-element tensor), else back off after a
        skipped step / grow after growth_interval clean steps."""
        if not self._enabled:
            return
        _scale, _growth_tracker = self._check_scale_growth_tracker("update")
        from .._grad_mode import no_grad
        from .._tensor import Tensor

        with no_grad():
            if new_scale is not None:
                if isinstance(new_scale, float):
                    self._scale.fill_(new_scale)
                else:
                    reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                              "torch.FloatTensor with requires_grad=False.")
                    assert isinstance(new_scale, Tensor), reason
                    assert new_scale.device.type == self._scale.device.type, reason
                    assert new_scale.numel() == 1, reason
                    assert new_scale.requires_grad is False, reason
                    self._scale.copy_(new_scale)
            else:
                found_infs = [f.to(device=_scale.device) if f.device != _scale.device else f
                              for state in self._per_optimizer_states.values()
                              for f in state["found_inf_per_device"].values()]
                assert len(found_infs) > 0, "No inf checks were recorded prior to update."
                found = found_infs[0]
                for f in found_infs[1:]:
                    found = found + f
                self._update_scale(found)
        self._per_optimizer_states = defaultdict(_fresh_state)

    def _update_scale(self, found):
        """PyTorch's _amp_update_scale_ as tensor ops (no host read): back off and reset the
        tracker on inf; else count, and grow (when the grown scale is finite) at the interval."""
        from .. import _dtype
        from .._ops.frontend import FUNCTIONS

        where, isfinite = FUNCTIONS["where"], FUNCTIONS["isfinite"]
        inf = found > 0
        successful = self._growth_tracker + 1
        grow = successful >= self._growth_interval
        grown = self._scale * self._growth_factor
        grown_ok = grow & isfinite(grown)
        new_scale = where(inf, self._scale * self._backoff_factor, where(grown_ok, grown, self._scale))
        new_tracker = where(inf | grow, 0, successful).to(_dtype.int32)
        self._scale.copy_(new_scale)
        self._growth_tracker.copy_(new_tracker)

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker.item()

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])


class _deprecated_scaler(GradScaler):
    _device_name = "cuda"

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
        d = self._device_name
        warnings.warn(
            f"`torch.{d}.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('{d}', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(d, init_scale=init_scale, growth_factor=growth_factor, backoff_factor=backoff_factor,
                         growth_interval=growth_interval, enabled=enabled)


class _cuda_scaler(_deprecated_scaler):
    _device_name = "cuda"


class _cpu_scaler(_deprecated_scaler):
    _device_name = "cpu"


for _cls in (_cuda_scaler, _cpu_scaler):
    _cls.__name__ = _cls.__qualname__ = "GradScaler"
