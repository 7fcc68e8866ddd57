"""Data parallelism for a jitted step with jax.sharding.

Place the batch split over a 1-D device mesh and the state replicated; `facade.jit` then
compiles the step as one SPMD program (XLA inserts the gradient all-reduce), and the
result equals the single-device step:

    mesh = jax.sharding.Mesh(jax.devices(), ("data",))
    x, y = facade.jit.shard_batch(x, mesh), facade.jit.shard_batch(y, mesh)
    facade.jit.replicate(model.parameters(), mesh)
    loss = step(x, y)
"""
import jax
from jax.sharding import NamedSharding, PartitionSpec

from .._engine import as_jax


def _place(t, sharding):
    node = t._node()
    if node.value is None:
        t._value()
    value = as_jax([node])[0]
    node.value = jax.device_put(value, sharding)
    node.device = next(iter(node.value.devices()))
    return t


def shard_batch(t, mesh, axis="data"):
    """Split tensor t's first dimension over the mesh axis (in place: t's value is re-placed)."""
    spec = PartitionSpec(axis, *([None] * (t.dim() - 1)))
    return _place(t, NamedSharding(mesh, spec))


def replicate(tensors, mesh):
    """Place every tensor (e.g. model.parameters()) whole on every device of the mesh."""
    from .. import _dispatch

    if isinstance(tensors, _dispatch.Tensor):
        tensors = [tensors]
    for t in tensors:
        _place(t, NamedSharding(mesh, PartitionSpec()))
    return tensors
