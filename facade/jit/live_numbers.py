"""Python numbers that must stay live under facade.jit.

A jitted step is traced once; a Python float it reads (a learning rate in a param group) would
be baked into the compiled program, and a scheduler's later change silently ignored. Code that
owns such numbers reads them through `live(container, key)`:

* outside facade.jit it is just `container[key]`;
* during the discovery call the read is recorded;
* while tracing it returns a 0-d float64 tensor backed by an input of the compiled program,
  and every later call passes the container's *current* value in.

facade's optimizers read their hyperparameters this way, so schedulers work under facade.jit.
"""
_MODE = [None]


def live(container, key):
    value = container[key]
    mode = _MODE[0]
    return value if mode is None else mode(container, key, value)


def read(pairs):
    """The current values of the recorded (container, key) pairs, flattened (tuples expand)."""
    out = []
    for container, key in pairs:
        v = container[key]
        if isinstance(v, (tuple, list)):
            out.extend(float(x) for x in v)
        else:
            out.append(float(v))
    return out


class Recorder:
    """Discovery: remember which numbers were read, in order."""

    def __init__(self):
        self.pairs = []

    def __call__(self, container, key, value):
        self.pairs.append((container, key))
        return value


class Provider:
    """Tracing: hand out tracer-backed tensors from the program's input `values` (a float64
    vector with some slack), one position per number in the order the step reads them; the
    reads seen become the call order. More reads than positions → the step is retraced."""

    def __init__(self, values):
        self.values, self.capacity = values, values.shape[0]
        self.seen, self.pos = [], 0
        self.overflow = False

    def __call__(self, container, key, value):
        from .._creation import wrap_value

        n = len(value) if isinstance(value, (tuple, list)) else 1
        if self.pos + n > self.capacity:
            self.overflow = True
            return value
        self.seen.append((container, key))
        out = tuple(wrap_value(self.values[self.pos + i]) for i in range(n))
        self.pos += n
        return out if isinstance(value, (tuple, list)) else out[0]

