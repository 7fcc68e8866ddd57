"""torch.distributed: facade has no process groups, so this is the "not available" answer.

is_available() is False (PyTorch's CPU build says True, but facade cannot run a collective, and the
usual guard `dist.is_available() and dist.is_initialized()` then takes the single-process path).
The common queries are still defined so unguarded code behaves as PyTorch does before
init_process_group: is_initialized() False, get_rank()/get_world_size()/collectives raise PyTorch's
"Default process group has not been initialized" ValueError. init_process_group raises a RuntimeError
saying why. For data parallelism over several devices, see facade.jit.shard_batch.
"""
import enum
import os

__all__ = ["is_available", "is_initialized", "is_torchelastic_launched", "is_nccl_available", "is_gloo_available",
           "is_mpi_available", "init_process_group", "destroy_process_group", "get_rank", "get_world_size",
           "get_backend", "barrier", "all_reduce", "all_gather", "all_gather_object", "broadcast",
           "broadcast_object_list", "reduce", "gather", "scatter", "reduce_scatter", "new_group", "ReduceOp",
           "Backend", "group", "GroupMember"]

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


def is_available():
    return False


def is_initialized():
    return False


def is_torchelastic_launched():
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def is_nccl_available():
    return False


def is_gloo_available():
    return False


def is_mpi_available():
    return False


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    raise RuntimeError("facade does not implement torch.distributed process groups (no gloo/nccl/mpi backend); "
                       "run single-process, or use facade.jit.shard_batch for data parallelism over local devices")


def destroy_process_group(group=None):
    raise AssertionError("Process group cannot be None")


def _uninitialized(*args, **kwargs):
    raise ValueError(_NOT_INITIALIZED)


get_rank = get_world_size = get_backend = barrier = new_group = _uninitialized
all_reduce = all_gather = all_gather_object = broadcast = broadcast_object_list = _uninitialized
reduce = gather = scatter = reduce_scatter = _uninitialized


class ReduceOp(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class Backend(str):
    """Backend names, as PyTorch spells them."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"


class group:
    WORLD = None


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = -100
