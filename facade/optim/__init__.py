"""torch.optim: optimizers whose update is one fused op per parameter, and lr schedulers."""
from . import lr_scheduler
from . import swa_utils  # noqa: F401
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
