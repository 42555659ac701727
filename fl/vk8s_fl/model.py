"""One model interface for every model the federation trains and serves.

A model is anything that exposes its weights as a list of numpy arrays (the form Flower
exchanges), trains on arrays, and answers class probabilities. `ModelSpec` names a model
kind and its JSON-serialisable configuration; it is stored next to every round's weights
so the serving side can rebuild the same architecture before loading them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

Weights = list[np.ndarray]


@dataclass(frozen=True)
class ModelSpec:
    """What to build: `kind` is a key of `MODEL_KINDS`; `config` its keyword arguments."""

    kind: str
    config: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "config": dict(sorted(self.config.items()))}

    @staticmethod
    def from_json(data: dict[str, Any]) -> "ModelSpec":
        return ModelSpec(kind=str(data["kind"]), config=dict(data.get("config", {})))


@runtime_checkable
class Model(Protocol):
    """The interface shared by the numpy MLP and the Keras EfficientNetB0."""

    spec: ModelSpec

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one instance (without the batch axis)."""
        ...

    @property
    def num_classes(self) -> int:
        ...

    def get_weights(self) -> Weights:
        ...

    def set_weights(self, weights: Weights) -> None:
        ...

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int,
        batch_size: int,
        learning_rate: float,
        seed: int,
    ) -> dict[str, float]:
        """Train in place; returns {"loss": .., "accuracy": ..} of the last epoch."""
        ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, num_classes), rows summing to 1."""
        ...

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(mean cross-entropy loss, accuracy) on labelled data."""
        ...


def build_model(spec: ModelSpec) -> Model:
    """Build a fresh model of `spec.kind` (one of `MODEL_KINDS`)."""
    if spec.kind == "mlp":
        from .numpy_mlp import NumpyMLP

        return NumpyMLP(**spec.config)
    if spec.kind == "efficientnet-b0":
        from .keras_model import build_efficientnet_b0

        return build_efficientnet_b0(**spec.config)
    raise ValueError(
        f'model.kind: "{spec.kind}" is not a known model kind '
        f"(use one of {', '.join(MODEL_KINDS)})"
    )


MODEL_KINDS = ("mlp", "efficientnet-b0")


def cross_entropy_and_accuracy(proba: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy of true labels `y` under `proba`, and argmax accuracy."""
    eps = 1e-12
    picked = proba[np.arange(len(y)), y]
    loss = float(-np.mean(np.log(picked + eps)))
    accuracy = float(np.mean(np.argmax(proba, axis=1) == y))
    return loss, accuracy
