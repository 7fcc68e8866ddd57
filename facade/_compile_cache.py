"""JAX's persistent compilation cache, turned on for facade's processes.

Why: a graph structure seen once runs op by op, and JAX runs each op as a small XLA kernel
compiled the first time its primitive, shapes and dtypes occur (about 25 ms each on a 2-core
CPU). A notebook's first cells compile dozens of them, in every new process. With the on-disk
cache a later process loads each kernel instead of compiling it again, and the compiled
replays of recurring structures are kept the same way.

Where: `$FACADE_CACHE_DIR`, else `$XDG_CACHE_HOME/facade/jax`, else `~/.cache/facade/jax`.
`FACADE_CACHE_DIR=0` (or an empty value) turns it off. The cache is not size-bounded: JAX's
bound (`jax_compilation_cache_max_size`) scans the whole directory on every write, which made
a test suite's thousands of kernels quadratic; entries are small (facade's whole test suite
writes about 75 MB, 11,000 entries) and deleting the directory clears it. A cache the user
configured for JAX (`JAX_COMPILATION_CACHE_DIR` or `jax.config`) is left exactly as configured.
"""
import os

import jax


def cache_dir():
    """The directory facade would use, or None when turned off."""
    explicit = os.environ.get("FACADE_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip() in ("", "0") else explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "facade", "jax")


def enable():
    """Point JAX's persistent cache at facade's directory unless JAX already has one."""
    if jax.config.jax_compilation_cache_dir:
        return
    path = cache_dir()
    if path is None:
        return
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return  # a read-only home: run without the cache
    jax.config.update("jax_compilation_cache_dir", path)
    # every kernel: op-by-op runs compile many small ones, each worth keeping
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
