"""The boilerplate APIs real training scripts touch (sweep 2, F2 and F12): torch.accelerator, torch.version,
torch.cuda's memory/seed/device queries, torch.distributed, nn.DataParallel / DistributedDataParallel,
torch.profiler, torch.compiler / torch._dynamo, torch.hub / onnx / multiprocessing, TorchScript's
script/trace, and the DataLoader pin_memory warning. Each behaves as PyTorch 2.13 on a machine without
GPUs; the scenarios compare with torch when it is installed, else with PyTorch's output written out."""
import warnings

import pytest

import facade
import facade._torchscript
from scenarios import Scenarios, check, observer, raised

try:
    import torch
except ImportError:
    torch = None

pytestmark = pytest.mark.skipif(facade.cuda.is_available(), reason="these expectations are for a machine without GPUs")

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer()

NOT_COMPILED = raised("AssertionError", "Torch not compiled with CUDA enabled")
NO_ACCELERATOR = raised("RuntimeError", "Cannot access accelerator device when none is available.")
NOT_INITIALIZED = raised("ValueError", "Default process group has not been initialized, please make sure to call "
                                       "init_process_group.")


def attempt(fn):
    """fn()'s result, or ("raised", type, message)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the error is the observation
        return raised(type(e).__name__, str(e))


def jit(T):
    """torch.jit's TorchScript functions: facade._torchscript until facade.jit exposes them."""
    return T.jit if hasattr(T.jit, "script") else facade._torchscript


@scenario(expect=[False, None, 0, "cpu", NO_ACCELERATOR, NO_ACCELERATOR, NO_ACCELERATOR, NO_ACCELERATOR,
                  raised("RuntimeError", "Accelerator expected"), None, NO_ACCELERATOR])
def accelerator_without_one(T):
    A = T.accelerator
    device = A.current_accelerator().type if A.is_available() else "cpu"  # the Quickstart's idiom
    return [A.is_available(), A.current_accelerator(), A.device_count(), device, attempt(A.synchronize),
            attempt(A.memory_allocated), attempt(A.current_device_index), attempt(lambda: A.set_device_index(0)),
            attempt(lambda: A.set_device_index("cpu")), attempt(lambda: A.device_index(None).__enter__()),
            attempt(lambda: A.device_index(0).__enter__())]


@scenario(expect=[None, None, False, True, True, True, False, False, True, True])
def version_information(T):
    v = T.__version__
    return [T.version.cuda, T.version.hip, T.version.debug, isinstance(T.version.git_version, str), isinstance(v, str),
            v >= "2.9", v >= (2, 14), v < "2.13", v > (2, 12, 9), v.startswith("2.13.0+")]


@scenario(expect=[0, 0, 0, 0, 0, {}, False, False, False, 0, True])
def cuda_memory_counters_read_zero(T):
    C = T.cuda
    return [C.memory_allocated(), C.memory_reserved(), C.max_memory_allocated(), C.max_memory_reserved(),
            C.memory_allocated(0), dict(C.memory_stats()), C.is_bf16_supported(), C.is_bf16_supported(False),
            C.is_tf32_supported(), C.device_count(), issubclass(C.OutOfMemoryError, RuntimeError)]


@scenario(expect=[NOT_COMPILED, NOT_COMPILED, NOT_COMPILED, NOT_COMPILED, NOT_COMPILED, NOT_COMPILED, NOT_COMPILED,
                  NOT_COMPILED, NOT_COMPILED, NOT_COMPILED, NOT_COMPILED])
def cuda_calls_that_need_a_device(T):
    C = T.cuda
    return [attempt(f) for f in (C.get_device_name, C.get_device_capability, C.get_device_properties, C.synchronize,
                                 C.current_device, C.mem_get_info, C.initial_seed, C.get_rng_state, C.init,
                                 C.ipc_collect, C.current_stream)]


@scenario(expect=[raised("AttributeError", "module 'torch._C' has no attribute '_cuda_resetPeakMemoryStats'"),
                  raised("AttributeError", "module 'torch._C' has no attribute '_cuda_setDevice'"),
                  None, raised("ValueError", "Expected a cuda device, but got: cpu"),
                  raised("ValueError", "Expected a torch.device with a specified index or an integer, but got:None"),
                  raised("RuntimeError", "PyTorch was compiled without CUDA support"), None,
                  raised("RuntimeError", "torch.cuda.Stream requires CUDA support"),
                  raised("RuntimeError", "Tried to instantiate dummy base class Event"),
                  raised("RuntimeError", "NVTX functions not installed. Are you sure you have a CUDA build?"),
                  None, None, [], [], "", False])
def cuda_device_selection_and_streams(T):
    C = T.cuda
    return [attempt(C.reset_peak_memory_stats), attempt(lambda: C.set_device(0)), C.set_device(-1),
            attempt(lambda: C.set_device("cpu")), attempt(lambda: C.set_device(None)),
            attempt(lambda: C.device(0).__enter__()), C.device(-1).__enter__(), attempt(C.Stream), attempt(C.Event),
            attempt(lambda: C.nvtx.range_push("step")), C.stream(None).__enter__(),
            C.device_of(T.ones(1)).__enter__(), C.get_rng_state_all(), C.get_arch_list(), C.get_gencode_flags(),
            C.is_initialized()]


@scenario(expect=[True, None, None, None, None, None])
def cuda_seeding_is_ignored_without_a_gpu(T):
    T.manual_seed(0)
    a = T.rand(3)
    T.manual_seed(0)
    results = [T.cuda.manual_seed(5), T.cuda.manual_seed_all(5), T.cuda.seed(), T.cuda.seed_all(),
               T.cuda.empty_cache()]
    return [T.equal(T.rand(3), a)] + results


def test_cuda_deprecated_names_warn():
    for name, message in (("memory_cached", "`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`"),
                          ("max_memory_cached", "`torch.cuda.max_memory_cached` has been renamed to "
                                                "`torch.cuda.max_memory_reserved`")):
        with pytest.warns(FutureWarning, match=message.replace(".", r"\.")):
            assert getattr(facade.cuda, name)() == 0


@scenario(expect=[False, False, NOT_INITIALIZED, NOT_INITIALIZED, NOT_INITIALIZED, False, NOT_INITIALIZED])
def distributed_before_init(T):
    D = T.distributed
    ddp = attempt(lambda: T.nn.parallel.DistributedDataParallel(T.nn.Linear(2, 2)))
    return [D.is_available() and D.is_initialized(), D.is_initialized(), attempt(D.get_rank),
            attempt(D.get_world_size), attempt(lambda: D.all_reduce(T.ones(1))), D.is_torchelastic_launched(), ddp]


def test_distributed_is_not_available():
    """facade has no process groups: is_available() is False (PyTorch's CPU build says True), and
    init_process_group says why."""
    assert facade.distributed.is_available() is False
    with pytest.raises(RuntimeError, match="facade does not implement torch.distributed process groups"):
        facade.distributed.init_process_group("gloo")


@scenario(expect=["DataParallel", True, ["module.0.weight", "module.0.bias"], [], facade.tensor([[0.5, 0.0]]),
                  "DataParallel(\n  (module): Sequential(\n    (0): Linear(in_features=2, out_features=2, bias=True)\n"
                  "    (1): ReLU()\n  )\n)", True, raised("RuntimeError", "device type could not be determined")])
def data_parallel_runs_the_module(T):
    m = T.nn.Sequential(T.nn.Linear(2, 2), T.nn.ReLU())
    with T.no_grad():
        m[0].weight.copy_(T.tensor([[1.0, 0.5], [-1.0, 0.0]]))
        m[0].bias.zero_()
    dp = T.nn.DataParallel(m)
    out = dp(T.tensor([[1.0, -1.0]]))
    copy = T.nn.DataParallel(T.nn.Sequential(T.nn.Linear(2, 2), T.nn.ReLU()))
    copy.load_state_dict(dp.state_dict())
    return [type(dp).__name__, dp.module is m, list(dp.state_dict()), dp.device_ids, out, repr(dp),
            T.equal(copy.module[0].weight, m[0].weight),
            attempt(lambda: T.nn.parallel.data_parallel(m, T.ones(1, 2)))]


@scenario(expect=[["outer", "inner"], {"outer": 1, "inner": 2}, "Name", "CPU", [4], ["ProfilerStep*", "blk"], [0],
                  ["z"], 7, True])
def profiler_records_blocks(T):
    P = T.profiler
    x = T.ones(4, 4)
    with P.profile(activities=[P.ProfilerActivity.CPU], record_shapes=True) as prof:
        with P.record_function("outer"):
            for _ in range(2):
                with P.record_function("inner"):
                    x @ x
    averages = [e for e in prof.key_averages() if e.key in ("outer", "inner")]
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    ready, names = [], []

    def on_ready(p):
        ready.append(p.step_num)
        names.extend(sorted({e.key for e in p.key_averages() if e.key.startswith(("ProfilerStep", "blk"))}))

    with P.profile(schedule=P.schedule(wait=1, warmup=1, active=2, repeat=1), on_trace_ready=on_ready) as p:
        for _ in range(6):
            with P.record_function("blk"):
                pass
            p.step()
    plain = []
    with P.profile(on_trace_ready=lambda p: plain.append(p.step_num)):
        pass
    with T.autograd.profiler.profile() as old:
        with T.autograd.profiler.record_function("z"):
            pass
    decorated = P.record_function("deco")(lambda: 7)
    return [[e.key for e in averages], {e.key: e.count for e in averages}, table.split("\n")[1].split()[0],
            P.ProfilerActivity.CPU.name, ready, names, plain, [e.key for e in old.key_averages() if e.key == "z"],
            decorated(), T.autograd.profiler.record_function is P.record_function]


@scenario(expect=[["NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE", "NONE", "NONE"],
                  raised("AssertionError", "Invalid profiler schedule arguments. Got wait=1 (need >= 0), warmup=-1 "
                                           "(need >= 0), active=2 (need > 0), repeat=0 (need >= 0), skip_first=0 "
                                           "(need >= 0).")])
def profiler_schedule(T):
    s = T.profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    return [[s(i).name for i in range(6)], attempt(lambda: T.profiler.schedule(wait=1, warmup=-1, active=2))]


@scenario(expect=[3, True, False, False, None, None, False, 8,
                  raised("AttributeError", "torch._dynamo.config.no_such_flag does not exist")])
def compiler_and_dynamo(T):
    def f(x):
        return x + 1

    return [T.compiler.disable(f)(2), T.compiler.disable()(f)(0) == 1, T.compiler.is_compiling(),
            T.compiler.is_dynamo_compiling(), T.compiler.reset(), T._dynamo.reset(), T._dynamo.config.suppress_errors,
            T._dynamo.config.cache_size_limit, attempt(lambda: T._dynamo.config.no_such_flag)]


@scenario(expect=["file_descriptor", ["file_descriptor", "file_system"], True, True, True])
def multiprocessing_reexports_python(T):
    import multiprocessing

    M = T.multiprocessing
    return [M.get_sharing_strategy(), sorted(M.get_all_sharing_strategies()), M.Process is multiprocessing.Process,
            callable(M.get_context) and callable(M.set_start_method) and callable(M.spawn), M.cpu_count() > 0]


def test_hub_and_onnx_say_what_they_cannot_do(tmp_path):
    assert facade.hub.get_dir().endswith("hub")
    with pytest.raises(NotImplementedError, match="facade does not download from torch.hub"):
        facade.hub.load("pytorch/vision", "resnet18")
    with pytest.raises(NotImplementedError, match="facade does not download"):
        facade.hub.load_state_dict_from_url("https://example.com/w.pth")
    (tmp_path / "hubconf.py").write_text("def tiny(n=2):\n    'A tiny model.'\n    import facade\n"
                                         "    return facade.nn.Linear(n, 1)\n")
    assert facade.hub.load(str(tmp_path), "tiny", 3, source="local").in_features == 3
    assert facade.hub.list(str(tmp_path)) == ["tiny"]
    with pytest.raises(NotImplementedError, match="torch.onnx.export is not supported by facade"):
        facade.onnx.export(facade.nn.Linear(1, 1), (facade.ones(1),), "m.onnx")


def _twice(i, q):
    q.put(i * 2)


def _fails(i):
    raise ValueError(f"worker {i} failed")


def test_multiprocessing_spawn():
    import multiprocessing

    q = multiprocessing.get_context("spawn").Queue()
    facade.multiprocessing.spawn(_twice, args=(q,), nprocs=2)
    assert sorted(q.get(timeout=60) for _ in range(2)) == [0, 2]
    with pytest.raises(facade.multiprocessing.ProcessRaisedException, match="ValueError: worker 0 failed"):
        facade.multiprocessing.spawn(_fails, nprocs=1)


@scenario(expect=["RecursiveScriptModule", "TopLevelTracedModule", True, True, True, True, ["0.weight", "0.bias"],
                  ["0.weight", "0.bias"], [3.0, 3.0], True, "RecursiveScriptModule(original_name=Linear)", "Linear"])
def script_and_trace_modules(T):
    J = jit(T)
    m = T.nn.Sequential(T.nn.Linear(2, 2), T.nn.ReLU())
    x = T.tensor([[0.5, -1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s, t = J.script(m), J.trace(m, x)
    same = T.equal(s(x), m(x)) and T.equal(t(x), m(x))
    with T.no_grad():
        s[0].bias.fill_(3.0)  # the parameters are the module's
    s(x).sum().backward()
    return [type(s).__name__, type(t).__name__, isinstance(s, J.ScriptModule), isinstance(t, J.ScriptModule), same,
            s[0].weight is m[0].weight, list(s.state_dict()), list(t.state_dict()), m[0].bias.tolist(),
            m[0].weight.grad is not None, repr(J.script(T.nn.Linear(2, 2))),
            J.trace(T.nn.Linear(2, 2), T.ones(2)).original_name]


def _double_plus_one(x):
    return x * 2 + 1


@scenario(expect=["ScriptFunction", facade.tensor([3.0, 3.0]), facade.tensor([3.0, 3.0, 3.0]), True, True, True,
                  False, False, 3, facade.tensor([3.0]), raised("TypeError", "'NoneType' object is not iterable"),
                  raised("RuntimeError", "example_kwarg_inputs should be a dict"),
                  raised("RuntimeError", "Freezing expects a ScriptModule as input. Please use torch.jit.script or "
                                         "torch.jit.trace to script your 'nn.Module'.")])
def script_and_trace_functions(T):
    J = jit(T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f, tf = J.script(_double_plus_one), J.trace(_double_plus_one, T.ones(2))
        errors = [attempt(lambda: J.trace(_double_plus_one)), attempt(lambda: J.trace(T.nn.Linear(1, 1))),
                  attempt(lambda: J.freeze(T.nn.Linear(1, 1)))]
    g = _double_plus_one
    return [type(f).__name__.split(".")[-1], f(T.ones(2)), tf(T.ones(3)), J.ignore(g) is g, J.unused(g) is g,
            J.export(g) is g, J.is_scripting(), J.is_tracing(), J.annotate(int, 3), J.wait(J.fork(g, T.ones(1)))] \
        + errors


def test_torchscript_save_and_load_say_to_use_a_state_dict(tmp_path):
    J = facade._torchscript
    s = J.script(facade.nn.Linear(2, 2))
    for save in (lambda: s.save(str(tmp_path / "m.pt")), lambda: J.save(s, str(tmp_path / "m.pt")),
                 lambda: J.script(_double_plus_one).save("f.pt")):
        with pytest.raises(NotImplementedError, match=r"no TorchScript serialization.*state_dict"):
            save()
    with pytest.raises(NotImplementedError, match="cannot load TorchScript archives"):
        J.load(str(tmp_path / "m.pt"))
    with pytest.raises(NotImplementedError, match="no TorchScript code"):
        s.code


def test_torchscript_keeps_module_attributes_named_like_script_members():
    class Net(facade.nn.Module):
        def __init__(self):
            super().__init__()
            self.graph = facade.nn.Linear(2, 2)  # a submodule named like ScriptModule.graph

        def forward(self, x):
            return self.graph(x)

    n = Net()
    s = facade._torchscript.script(n)
    assert s.graph is n.graph and facade.equal(s(facade.ones(2)), n(facade.ones(2)))


@scenario(expect=[["'pin_memory' argument is set as true but no accelerator is found, then device pinned memory "
                   "won't be used."], [], 2])
def dataloader_pin_memory_warning(T):
    ds = T.utils.data.TensorDataset(T.arange(20.0).view(10, 2))
    with warnings.catch_warnings(record=True) as pinned:
        warnings.simplefilter("always")
        batches = list(T.utils.data.DataLoader(ds, batch_size=5, pin_memory=True))
    with warnings.catch_warnings(record=True) as plain:
        warnings.simplefilter("always")
        list(T.utils.data.DataLoader(ds, batch_size=5))
    return [[str(w.message) for w in pinned if issubclass(w.category, UserWarning)],
            [str(w.message) for w in plain], len(batches)]


def test_torch_cuda_imports_as_a_module():
    """`import torch.cuda` and `from torch.cuda.amp import GradScaler` (torch.cuda is a class in facade)."""
    import importlib

    assert importlib.import_module("facade.cuda") is facade.cuda
    from facade.cuda.amp import GradScaler, autocast  # noqa: F401

    assert GradScaler is facade.cuda.amp.GradScaler


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)
