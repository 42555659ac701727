"""A small multi-layer perceptron in numpy: softmax regression when `hidden` is empty.

Needs no framework and no download, so the federated tests run it for real. Weights
are float64 `[W1, b1, W2, b2, ...]`, the list Flower sends over the wire.
"""

from __future__ import annotations

import numpy as np

from .model import ModelSpec, Weights, cross_entropy_and_accuracy


class NumpyMLP:
    """Fully connected network with ReLU hidden layers and a softmax output.

    Args:
        input_dim: features per instance (64 for the 8x8 digits).
        num_classes: output classes (10 for digits and CIFAR-10).
        hidden: sizes of hidden layers. Default: (32,). `()` gives softmax regression.
        seed: seed of the initial weights. Default: 0, so every party that builds the
            model from the same spec starts from the same weights.
    """

    def __init__(
        self,
        input_dim: int,
        num_classes: int,
        hidden: tuple[int, ...] | list[int] = (32,),
        seed: int = 0,
    ) -> None:
        hidden = tuple(int(h) for h in hidden)
        self.spec = ModelSpec(
            "mlp",
            {"input_dim": input_dim, "num_classes": num_classes, "hidden": list(hidden), "seed": seed},
        )
        self._input_dim = int(input_dim)
        self._num_classes = int(num_classes)
        sizes = (self._input_dim, *hidden, self._num_classes)
        rng = np.random.default_rng(seed)
        self._weights: Weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            scale = np.sqrt(2.0 / fan_in)  # He initialisation for ReLU layers
            self._weights.append(rng.normal(0.0, scale, size=(fan_in, fan_out)))
            self._weights.append(np.zeros(fan_out))

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self._input_dim,)

    @property
    def num_classes(self) -> int:
        return self._num_classes

    def get_weights(self) -> Weights:
        return [w.copy() for w in self._weights]

    def set_weights(self, weights: Weights) -> None:
        if len(weights) != len(self._weights):
            raise ValueError(
                f"weights: got {len(weights)} arrays, the model has {len(self._weights)} "
                "(load weights saved from the same model spec)"
            )
        for i, (new, old) in enumerate(zip(weights, self._weights)):
            if np.shape(new) != old.shape:
                raise ValueError(
                    f"weights[{i}]: shape {np.shape(new)} does not match {old.shape} "
                    "(load weights saved from the same model spec)"
                )
        self._weights = [np.asarray(w, dtype=np.float64).copy() for w in weights]

    def _forward(self, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        activations = [x]
        h = x
        n_layers = len(self._weights) // 2
        for layer in range(n_layers):
            w, b = self._weights[2 * layer], self._weights[2 * layer + 1]
            z = h @ w + b
            if layer < n_layers - 1:
                h = np.maximum(z, 0.0)
                activations.append(h)
            else:
                h = _softmax(z)
        return activations, h

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(len(x), self._input_dim)
        return self._forward(x)[1]

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        return cross_entropy_and_accuracy(self.predict_proba(x), np.asarray(y))

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
        x = np.asarray(x, dtype=np.float64).reshape(len(x), self._input_dim)
        y = np.asarray(y)
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                idx = order[start : start + batch_size]
                self._sgd_step(x[idx], y[idx], learning_rate)
        loss, accuracy = self.evaluate(x, y)
        return {"loss": loss, "accuracy": accuracy}

    def _sgd_step(self, x: np.ndarray, y: np.ndarray, learning_rate: float) -> None:
        activations, proba = self._forward(x)
        grad = proba.copy()
        grad[np.arange(len(y)), y] -= 1.0
        grad /= len(y)
        n_layers = len(self._weights) // 2
        for layer in reversed(range(n_layers)):
            w = self._weights[2 * layer]
            a = activations[layer]
            grad_w = a.T @ grad
            grad_b = grad.sum(axis=0)
            if layer > 0:
                grad = (grad @ w.T) * (a > 0)
            self._weights[2 * layer] = w - learning_rate * grad_w
            self._weights[2 * layer + 1] = self._weights[2 * layer + 1] - learning_rate * grad_b


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
