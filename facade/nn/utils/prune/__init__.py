"""torch.nn.utils.prune: zero chosen entries of a module's tensors through a mask.

The methods are classes (``_methods.py``) built on BasePruningMethod / PruningContainer
(``_base.py``, which also keeps the ``<name>_orig`` × ``<name>_mask`` reparametrization); the
functions users call are in ``_functional.py``.
"""
from ._base import BasePruningMethod, PruningContainer
from ._functional import (
    custom_from_mask,
    global_unstructured,
    identity,
    is_pruned,
    l1_unstructured,
    ln_structured,
    random_structured,
    random_unstructured,
    remove,
)
from ._methods import CustomFromMask, Identity, L1Unstructured, LnStructured, RandomStructured, RandomUnstructured

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
           "RandomStructured", "LnStructured", "CustomFromMask", "identity", "random_unstructured",
           "l1_unstructured", "random_structured", "ln_structured", "global_unstructured", "custom_from_mask",
           "remove", "is_pruned"]

for _cls in (BasePruningMethod, PruningContainer, Identity, RandomUnstructured, L1Unstructured, RandomStructured,
             LnStructured, CustomFromMask):
    _cls.__module__ = __name__  # shown as facade.nn.utils.prune.<Name>, as PyTorch's are
del _cls
