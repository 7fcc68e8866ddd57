"""torch.nn: modules, parameters, functional, init and utils.

import facade.nn as nn
import facade.nn.functional as F
"""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from .parameter import Buffer, Parameter  # noqa: F401
from . import parallel  # noqa: E402,F401
from .parallel import DataParallel  # noqa: E402,F401
