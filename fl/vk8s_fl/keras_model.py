"""EfficientNetB0 (Keras) behind the `Model` interface: the production model.

TensorFlow is imported only inside these functions, so the package, its CLIs for the
numpy model and the default tests never need it installed. It is the optional extra
`requirements-tf.txt` (tensorflow-cpu 2.21.0): with it, tests/test_efficientnet.py builds
this model from random initialisation, trains it one epoch and serves it
(`FL_WITH_TF=1 bash fl/run-tests.sh`). ImageNet weights (`weights="imagenet"`, the
default) are downloaded by Keras on first use and are not exercised here: the download
cannot be made in this environment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import ModelSpec, Weights, cross_entropy_and_accuracy


def build_efficientnet_b0(
    input_shape: tuple[int, int, int] | list[int] = (32, 32, 3),
    num_classes: int = 10,
    weights: str | None = "imagenet",
    dropout: float = 0.2,
) -> "KerasModel":
    """EfficientNetB0 backbone + dropout + softmax head, compiled for integer labels.

    Args:
        input_shape: one preprocessed image, (height, width, 3). Default: (32, 32, 3),
            CIFAR-10's native size (the smallest EfficientNetB0 accepts).
        num_classes: classes of the softmax head. Default: 10 (CIFAR-10).
        weights: "imagenet" to start from pretrained weights (downloaded by Keras on
            first use), or None for random initialisation. Default: "imagenet".
        dropout: dropout rate before the head. Default: 0.2 (Keras' own top).
    Inputs are float pixels in [0, 255]; EfficientNet rescales internally.
    """
    import tensorflow as tf  # lazy: see module docstring

    shape = tuple(int(s) for s in input_shape)
    base = tf.keras.applications.EfficientNetB0(
        include_top=False, weights=weights, input_shape=shape, pooling="avg"
    )
    x = tf.keras.layers.Dropout(dropout)(base.output)
    out = tf.keras.layers.Dense(num_classes, activation="softmax")(x)
    keras_model = tf.keras.Model(base.input, out, name="efficientnet_b0_classifier")
    keras_model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    spec = ModelSpec(
        "efficientnet-b0",
        {"input_shape": list(shape), "num_classes": num_classes, "weights": weights, "dropout": dropout},
    )
    return KerasModel(keras_model, spec)


class KerasModel:
    """Adapts a compiled `tf.keras.Model` with a softmax output to `Model`."""

    def __init__(self, keras_model: Any, spec: ModelSpec) -> None:
        self.keras_model = keras_model
        self.spec = spec

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.keras_model.input_shape[1:])

    @property
    def num_classes(self) -> int:
        return int(self.keras_model.output_shape[-1])

    def get_weights(self) -> Weights:
        return [np.asarray(w) for w in self.keras_model.get_weights()]

    def set_weights(self, weights: Weights) -> None:
        self.keras_model.set_weights(weights)

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
        import tensorflow as tf

        tf.keras.utils.set_random_seed(seed)
        self.keras_model.optimizer.learning_rate.assign(learning_rate)
        history = self.keras_model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=2)
        return {
            "loss": float(history.history["loss"][-1]),
            "accuracy": float(history.history["accuracy"][-1]),
        }

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.keras_model.predict(np.asarray(x, dtype=np.float32), verbose=0))

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        return cross_entropy_and_accuracy(self.predict_proba(x), np.asarray(y))
