"""PyTorch's convention for complex gradients, from JAX's."""
import jax.numpy as jnp


def torch_convention(v):
    """A complex gradient in PyTorch's convention from one in JAX's, or back (the same map).

    For a real loss L of z = x + iy, PyTorch's gradient is dL/dx + i dL/dy (the conjugate
    Wirtinger derivative, times 2); JAX's vjp gives its conjugate, dL/dx - i dL/dy. The two
    conventions agree on how a cotangent flows back through a complex function once both the
    incoming cotangent and the outgoing gradients are conjugated, so that is done at the
    program's boundary. Real values pass through unchanged."""
    return jnp.conj(v) if jnp.iscomplexobj(v) else v
