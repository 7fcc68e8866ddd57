"""The persistent compilation cache facade turns on (facade/_compile_cache.py): where it
goes, how to turn it off, and that a cache the user configured for JAX is left alone."""
import os
import subprocess
import sys

from facade import _compile_cache

_PROGRAM = ("import facade as torch, jax; x = torch.ones(3, requires_grad=True); (x * 2).sin().sum().backward(); "
            "print(x.grad); print(jax.config.jax_compilation_cache_dir, jax.config.jax_persistent_cache_min_compile_time_secs)")


def _run(env_changes, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FACADE_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR")}
    env.update(env_changes)
    env["HOME"] = str(tmp_path / "home")
    env.pop("XDG_CACHE_HOME", None)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", _PROGRAM], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "tensor([-0.8323, -0.8323, -0.8323])" in out.stdout  # 2 cos(2)
    return out


def _entries(path):
    return [f for f in os.listdir(path)] if os.path.isdir(path) else []


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("FACADE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _compile_cache.cache_dir() == os.path.join(str(tmp_path), "facade", "jax")
    monkeypatch.setenv("FACADE_CACHE_DIR", str(tmp_path / "mine"))
    assert _compile_cache.cache_dir() == str(tmp_path / "mine")
    for off in ("0", "", " "):
        monkeypatch.setenv("FACADE_CACHE_DIR", off)
        assert _compile_cache.cache_dir() is None


def test_a_new_process_writes_its_kernels_to_the_cache(tmp_path):
    _run({}, tmp_path)
    assert _entries(tmp_path / "home" / ".cache" / "facade" / "jax")  # the default place
    _run({"FACADE_CACHE_DIR": str(tmp_path / "chosen")}, tmp_path)
    assert _entries(tmp_path / "chosen")


def test_turned_off_and_a_users_own_jax_cache_are_respected(tmp_path):
    _run({"FACADE_CACHE_DIR": "0"}, tmp_path)
    assert not _entries(tmp_path / "home" / ".cache" / "facade" / "jax")
    out = _run({"JAX_COMPILATION_CACHE_DIR": str(tmp_path / "users")}, tmp_path)
    assert not _entries(tmp_path / "home" / ".cache" / "facade" / "jax")
    assert out.stdout.split("\n")[-2] == f"{tmp_path / 'users'} 1.0"  # JAX's own setting and threshold
