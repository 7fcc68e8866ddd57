"""torch.hub: the cache-directory helpers, and loading from a local hubconf.py.

facade downloads nothing, and its checkpoints are not PyTorch pickles, so hub.load from GitHub,
load_state_dict_from_url and download_url_to_file raise NotImplementedError explaining why.
hub.load / list / help with source='local' import the directory's hubconf.py and call its entry
points, as PyTorch does.
"""
import importlib.util
import os
import sys

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

_HUB_DIR = [None]
_NO_DOWNLOAD = ("facade does not download from torch.hub, and it cannot read PyTorch's pickled weights. "
                "Build the model from its code (or use source='local' with a checkout containing hubconf.py) "
                "and load a checkpoint saved with facade.save.")


def _torch_home():
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))


def get_dir():
    """The hub cache directory: set_dir's, else $TORCH_HOME/hub (default ~/.cache/torch/hub)."""
    if _HUB_DIR[0] is not None:
        return _HUB_DIR[0]
    return os.path.join(_torch_home(), "hub")


def set_dir(d):
    _HUB_DIR[0] = os.path.expanduser(d)


def _hubconf(repo_or_dir, source):
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        raise NotImplementedError(_NO_DOWNLOAD)
    path = os.path.join(repo_or_dir, "hubconf.py")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, repo_or_dir)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_or_dir)
    return module


def _entry(module, model):
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def list(github, force_reload=False, skip_validation=False, trust_repo=None, verbose=True):  # noqa: A001
    source = "local" if os.path.isdir(github) else "github"
    module = _hubconf(github, source)
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo=None):  # noqa: A001
    source = "local" if os.path.isdir(github) else "github"
    return _entry(_hubconf(github, source), model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo=None, force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    return _entry(_hubconf(repo_or_dir, source.lower()), model)(*args, **kwargs)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    raise NotImplementedError(_NO_DOWNLOAD)


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    raise NotImplementedError(_NO_DOWNLOAD)
