"""The same denoise on a Dask cluster: the only module that imports Dask.

Blocks of output frames are the tasks, exactly the blocks of the single-machine
stream. A task carries paths, not objects: the worker opens the input itself, loads
the model once per process (cached), denoises the block with the same functions as the
stream, and writes it straight into the staging Zarr group (blocks cover whole chunks,
so no two tasks write one chunk), then marks it done. Blocks already marked are not
submitted again; a lost worker's tasks are retried by the scheduler.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temdenoise.errors import ClusterError
from temdenoise.infer.apply import Precision
from temdenoise.infer.stream import Block, MovieStats, denoise_block, plan_blocks, read_block
from temdenoise.models.base import Denoiser

logger = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'temdenoise[distributed]'"


@dataclass(frozen=True)
class BlockJob:
    """Everything a worker needs to denoise any block of one job (paths and numbers only)."""

    input: Path
    dataset: str | None
    model: Path
    staging: Path
    frames: tuple[int, int]
    factor: float | None
    tile: int | tuple[int, int] | None
    batch_size: int
    device: str
    precision: Precision
    block_frames: int
    torch_threads: int | None = None
    model_sha256: str = ""
    """SHA-256 of the weights the job was started with: a worker refuses any other."""
    counts_per_electron: float | None = None
    """The camera's gain: frames are divided by it as they are read."""


def run_on_cluster(
    job: BlockJob,
    done: set[int],
    *,
    cluster: str | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    connect_timeout: float = 10.0,
    threads: int | None = None,
) -> MovieStats:
    """Denoise the blocks of ``job`` not in ``done`` on a Dask cluster.

    Parameters
    ----------
    job : BlockJob
    done : set of int
        Blocks already written (skipped).
    cluster : str, optional
        ``"local:N"``: start a local cluster of N worker processes (one per GPU with
        dask-cuda when there are GPUs) for the duration of the call.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://host:8786"``.
    progress : callable(done, total), optional
        Output frames written, and the total, on the client.
    connect_timeout : float
        Seconds to wait for the scheduler.
    threads : int, optional
        CPU threads the workers of a local cluster share (default: all cores).

    Returns
    -------
    MovieStats
    """
    distributed = _import_distributed()
    start, stop = job.frames
    blocks = plan_blocks(stop - start, job.block_frames)
    pending = [b for b in blocks if b.index not in done]
    total = stop - start
    finished = total - sum(b.stop - b.start for b in pending)
    if progress is not None:
        progress(finished, total)
    connection = _client(distributed, cluster, scheduler, job, connect_timeout, threads)
    with connection as (client, worker_threads):
        run = dataclasses.replace(job, torch_threads=worker_threads)
        client.run(_prepare, run)  # every worker imports and loads the model before the clock
        t0 = time.perf_counter()  # from a running, warm cluster: startup is not throughput
        tag = uuid.uuid4().hex[:8]
        futures = [
            client.submit(_run_block, run, block, pure=False, key=f"temdenoise-{tag}-{block.index}")
            for block in pending
        ]
        for future in distributed.as_completed(futures):
            finished += future.result()
            if progress is not None:
                progress(finished, total)
    computed = sum(b.stop - b.start for b in pending)
    return MovieStats(frames=total, computed_frames=computed, seconds=time.perf_counter() - t0)


def _prepare(job: BlockJob) -> None:
    """Warm a worker for ``job`` (nothing is sent back to the client)."""
    _warm(job)


def _warm(job: BlockJob) -> Denoiser:
    """Prepare a worker for ``job``: its PyTorch threads, the imports; return the model."""
    import torch

    if job.torch_threads is not None and torch.get_num_threads() != job.torch_threads:
        torch.set_num_threads(job.torch_threads)
    return _network(str(job.model), job.device, job.model_sha256)


def _run_block(job: BlockJob, block: Block) -> int:
    """Denoise one block on a worker and write it into the staging group."""
    from temdenoise.io import open_source
    from temdenoise.io.staging import write_block

    network = _warm(job)
    with open_source(job.input, dataset=job.dataset) as source:
        stack, windows = read_block(
            source,
            block,
            first=job.frames[0],
            in_frames=network.in_frames,
            counts_per_electron=job.counts_per_electron,
        )
    out = denoise_block(
        stack,
        windows,
        network,
        factor=job.factor,
        tile=job.tile,
        batch_size=job.batch_size,
        device=job.device,
        precision=job.precision,
    )
    write_block(job.staging, block.index, block.start, out)
    return block.stop - block.start


@functools.lru_cache(maxsize=4)
def _network(model: str, device: str, sha256: str) -> Denoiser:
    """Return the model of this worker process, loaded on first use and kept.

    Kept by its weights' digest, not by its path alone: a long-lived worker given a model
    file that was replaced since loads the new one, and a file that no longer holds the
    weights the job started with is refused rather than mixed into the output.
    """
    from temdenoise.errors import ModelFileError
    from temdenoise.models.checkpoint import load_model

    loaded = load_model(model, device=device)
    if sha256 and loaded.header.weights_sha256 != sha256:
        raise ModelFileError(
            f"{model}: the model file changed while the job ran (other weights); rerun the job"
        )
    return loaded.network


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"Dask distributed is not installed: {INSTALL_HINT}") from None
    return distributed


class _client:
    """Context manager: a Client on a new local cluster or on a running scheduler."""

    def __init__(
        self,
        distributed: Any,
        cluster: str | None,
        scheduler: str | None,
        job: BlockJob,
        timeout: float,
        threads: int | None = None,
    ) -> None:
        if (cluster is None) == (scheduler is None):
            raise ClusterError("give exactly one of --cluster local:N and --scheduler ADDRESS")
        self.distributed = distributed
        self.cluster_spec = cluster
        self.scheduler = scheduler
        self.job = job
        self.timeout = timeout
        self.threads = threads
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> tuple[Any, int | None]:
        distributed = self.distributed
        threads = None
        if self.cluster_spec is not None:
            n = int(self.cluster_spec.partition(":")[2] or 0) or None
            self.cluster, threads = _local_cluster(distributed, n, self.job.device, self.threads)
            self.client = distributed.Client(self.cluster)
        else:
            try:
                self.client = distributed.Client(self.scheduler, timeout=f"{self.timeout}s")
            except (OSError, TimeoutError, ValueError) as exc:
                detail = (
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                )
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {detail}"
                ) from None
        return self.client, threads

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _local_cluster(
    distributed: Any, n: int | None, device: str, threads: int | None = None
) -> tuple[Any, int | None]:
    """Start a local cluster and return it with the PyTorch threads per worker.

    One worker per GPU with dask-cuda; otherwise ``n`` CPU worker processes (one task at
    a time each) that share ``threads`` (default: every core) between their PyTorch
    threads, so that the workers together never ask for more threads than there are
    cores: oversubscribed, they would slow each other down.
    """
    if device == "cuda":
        try:
            from dask_cuda import LocalCUDACluster
        except ImportError:
            logger.warning("dask-cuda is not installed: starting CPU worker processes instead")
        else:
            return LocalCUDACluster(n_workers=n, threads_per_worker=1), None
    cores = threads or os.cpu_count() or 1
    n = n or cores
    cluster = distributed.LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return cluster, max(1, cores // n)
