"""The ``denoise`` stage: one movie file to one output, resumable (orchestrator)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from temdenoise import __version__
from temdenoise.config import DenoiseConfig
from temdenoise.errors import InputError
from temdenoise.infer.apply import (
    Precision,
    activation_bytes,
    call_pixels,
    default_memory_budget,
)
from temdenoise.infer.device import choose_precision, resolve_device
from temdenoise.infer.preflight import check_counts, choose_sampling, frame_range, say_sampling
from temdenoise.infer.resample import binned_shape
from temdenoise.infer.stream import MovieStats, denoise_movie
from temdenoise.infer.tiling import auto_tile_and_batch
from temdenoise.io import Staging, open_source
from temdenoise.io.base import FrameSource
from temdenoise.io.fingerprint import fingerprint
from temdenoise.models.checkpoint import LoadedModel, load_model
from temdenoise.pretrained import resolve_model

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DenoiseReport:
    """What a denoise job did."""

    output: Path
    shape: tuple[int, int, int]
    stats: MovieStats | None
    data_pixel_size: float | None
    model_pixel_size: float
    factor: float | None
    dose: float
    """Mean counts per pixel of the first frame, on the data's grid."""

    @property
    def grid_pixel_size(self) -> float | None:
        """Angstrom per pixel of the grid the network saw (None when unknown)."""
        if self.data_pixel_size is None:
            return None
        return self.data_pixel_size / self.factor if self.factor else self.data_pixel_size

    @property
    def grid_dose(self) -> float:
        """Mean counts per pixel of the first frame on the grid the network saw."""
        return self.dose / self.factor**2 if self.factor else self.dose

    @property
    def already_complete(self) -> bool:
        """True when the output existed, complete, from the same job: nothing was done."""
        return self.stats is None


def run_denoise(
    config: DenoiseConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_start: Callable[[tuple[int, int, int]], None] | None = None,
) -> DenoiseReport:
    """Denoise ``config.input`` into ``config.output`` with ``config.model``.

    Resumes an unfinished output of the same job; refuses an existing output or
    unfinished output of another job unless ``config.overwrite``.

    Parameters
    ----------
    config : DenoiseConfig
    progress : callable(done, total), optional
        Output frames written so far, and the total.
    on_start : callable(shape), optional
        Called once with the output shape before any work.
    """
    if config.output.resolve() == config.input.resolve():
        raise InputError(
            f"{config.output}: the output would replace the input; choose another path"
        )
    device = resolve_device(config.device)
    model = load_model(resolve_model(config.model), device=device)
    precision = choose_precision(config.precision, model.header, device)
    if precision != config.precision:
        logger.info("precision %s (%s on %s)", precision, config.precision, device.type)
    with open_source(config.input, dataset=config.dataset) as source:
        first, stop = frame_range(config, source)
        shape = (stop - first, source.shape[1], source.shape[2])
        data_ps = config.pixel_size or source.metadata.pixel_size
        model_ps = model.header.pixel_size
        factor = choose_sampling(config, model, data_ps, shape)
        say_sampling(config.input, data_ps, model_ps, factor)
        gain = config.counts_per_electron or source.metadata.counts_per_electron
        first_frame = np.asarray(source.read(first, first + 1)[0], dtype=np.float64)
        first_frame /= gain or 1.0
        check_counts(config, first_frame, gain)
        dose = float(first_frame.mean())
        tile, batch = (
            ((config.tile, config.tile), config.batch_size)
            if config.tile
            else _auto_tile(model, shape[1:], factor, config.batch_size, device, precision)
        )
        params = _parameters(config, device, precision, first, stop, data_ps, factor)
        staging = Staging(
            config.output,
            shape=shape,
            key=_job_key(config.input, model, params),
            attrs={
                # the output is in electron counts: no gain left to apply
                "metadata": source.metadata.with_(
                    pixel_size=data_ps, counts_per_electron=None
                ).to_dict(),
                "provenance": {
                    **_provenance(config, model, params),
                    "tile_used": list(tile),
                    "batch_used": batch,
                },
            },
            overwrite=config.overwrite,
        )
        # tiling is exact, so the tile is not part of the job; a resumed run keeps the
        # tile and batch its first run chose (from the memory free then): the same bytes
        tile = tuple(staging.attrs["provenance"].get("tile_used", tile))
        batch = int(staging.attrs["provenance"].get("batch_used", batch))
        logger.debug(
            "%s: tiles of %s px, %d per network call, blocks of %d frames, job key %s",
            config.output,
            tile,
            batch,
            config.block_frames,
            staging.key[:12],
        )
        report = DenoiseReport(config.output, shape, None, data_ps, model_ps, factor, dose)
        if staging.already_complete:
            logger.info(
                "%s is already complete for this input, model and parameters", config.output
            )
            return report
        try:
            if on_start is not None:
                on_start(shape)
            stats = _compute(
                config,
                source,
                staging,
                model,
                device,
                (first, stop),
                factor,
                (tile, batch),
                gain,
                precision,
                progress,
            )
            staging.finish()
        finally:
            staging.release()
    return DenoiseReport(config.output, shape, stats, data_ps, model_ps, factor, dose)


def _compute(
    config: DenoiseConfig,
    source: FrameSource,
    staging: Staging,
    model: LoadedModel,
    device: torch.device,
    frames: tuple[int, int],
    factor: float | None,
    tiling: tuple[tuple[int, ...], int],
    gain: float | None,
    precision: Precision,
    progress: Callable[[int, int], None] | None,
) -> MovieStats:
    """Denoise every block ``staging`` lacks, in this process or on a Dask cluster."""
    tile, batch = tiling
    if config.cluster is not None or config.scheduler is not None:
        from temdenoise.infer.distributed import BlockJob, run_on_cluster

        job = BlockJob(
            input=config.input.resolve(),
            dataset=config.dataset,
            model=model.path.resolve() if model.path else Path(config.model),
            staging=staging.path.resolve(),
            frames=frames,
            factor=factor,
            tile=(tile[0], tile[1]),
            batch_size=batch,
            device=device.type,
            precision=precision,
            block_frames=config.block_frames,
            model_sha256=model.header.weights_sha256,
            counts_per_electron=gain,
        )
        return run_on_cluster(
            job,
            staging.done(),
            cluster=config.cluster,
            scheduler=config.scheduler,
            progress=progress,
            threads=config.threads,
        )
    with _torch_threads(config.threads):
        return denoise_movie(
            source,
            staging,
            model.network,
            frames=frames,
            factor=factor,
            tile=(tile[0], tile[1]),
            batch_size=batch,
            device=device,
            precision=precision,
            block_frames=config.block_frames,
            counts_per_electron=gain,
            progress=progress,
        )


@contextlib.contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run with ``threads`` PyTorch CPU threads (None: as they are), restored afterwards."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _parameters(
    config: DenoiseConfig,
    device: torch.device,
    precision: Precision,
    first: int,
    stop: int,
    data_ps: float | None,
    factor: float | None,
) -> dict[str, Any]:
    """Everything besides input and model that changes the output's bytes."""
    return {
        "dataset": config.dataset,
        "frames": [first, stop],
        "pixel_size": data_ps,
        "resample_factor": factor,
        "resample": config.resample,
        "counts_per_electron": config.counts_per_electron,
        "tile": [config.tile, config.tile] if config.tile else "auto",
        "batch_size": config.batch_size,
        "precision": precision,  # as resolved: part of the job's key and its record
        "device": device.type,
        "block_frames": config.block_frames,
        "package_version": __version__,
        "torch_version": torch.__version__,
    }


def _auto_tile(
    model: LoadedModel,
    shape: tuple[int, int],
    factor: float | None,
    batch_size: int,
    device: torch.device,
    precision: Precision,
) -> tuple[tuple[int, int], int]:
    """Tile and batch chosen once per job (and recorded): a resumed run tiles the same way."""
    net = model.network
    return auto_tile_and_batch(
        binned_shape(shape, factor) if factor else shape,
        halo=net.exact_margin,
        multiple=net.downsampling,
        bytes_per_pixel=activation_bytes(net, precision),
        batch_size=batch_size,
        budget_bytes=default_memory_budget(device),
        call_pixels=call_pixels(device),
    )


def _job_key(input_path: Path, model: LoadedModel, params: dict[str, Any]) -> str:
    """Identity of a job: the input's content, the model's weights, the parameters."""
    identity = {
        "input": {"path": str(input_path.resolve()), "content": fingerprint(input_path)},
        "model": model.header.weights_sha256,
        "parameters": params,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _provenance(
    config: DenoiseConfig, model: LoadedModel, params: dict[str, Any]
) -> dict[str, Any]:
    h = model.header
    return {
        "software": "temdenoise",
        "package_version": __version__,
        "command": "denoise",
        "input": str(config.input.resolve()),
        "model": {
            "requested": config.model,
            "path": str(model.path),
            "name": h.name,
            "arch": h.arch,
            "arch_params": h.arch_params,
            "pixel_size": h.pixel_size,
            "dose_range": list(h.dose_range),
            "weights_sha256": h.weights_sha256,
        },
        "parameters": params,
        "created": dt.datetime.now(dt.UTC).isoformat(),
    }
