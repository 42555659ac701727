"""Load a stored round back into a model: what evaluation and serving use."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import Model, ModelSpec, build_model
from .storage import WeightStorage


def load_model(
    storage: WeightStorage, group: str, project: str, round_number: int | None = None
) -> tuple[Model, dict[str, Any]]:
    """Rebuild the model named in the round's meta.json and set the stored weights.

    Args:
        round_number: which round. Default: None, the latest stored round.
    Returns the model and the round's meta (round, num_examples, num_clients, model).
    Raises ValueError when the stored weights hold NaN or infinity (such a model would
    answer non-finite probabilities).
    """
    if round_number is None:
        round_number = storage.latest_round(group, project)
    weights, meta = storage.load_round(group, project, round_number)
    broken = [i for i, w in enumerate(weights) if not np.all(np.isfinite(w))]
    if broken:
        raise ValueError(
            f"weights: round {round_number} of {group}/{project} holds NaN or infinity in layers "
            f"{broken} (serve an earlier round with --round)"
        )
    spec = ModelSpec.from_json(meta["model"])
    if "weights" in spec.config:
        # Pretrained weights would be downloaded only to be overwritten: skip them.
        spec = ModelSpec(spec.kind, {**spec.config, "weights": None})
    model = build_model(spec)
    model.set_weights(weights)
    return model, meta
