"""vk8s federated learning: Flower FedAvg with per-round weight storage, and model serving.

Modules:
    model       one model interface (`Model`, `ModelSpec`, `build_model`) for every model
    numpy_mlp   a small numpy multi-layer perceptron (tests, CPU-only clusters)
    keras_model EfficientNetB0 behind the same interface (TensorFlow imported lazily)
    data        bundled digits data set, non-identical client partitions, npz arrays
    cifar10     CIFAR-10 download, parsing and preprocessing into fixed-size arrays
    storage     `{group}/{project}/{round}` weight storage: local directory or S3
    strategy    `SavingFedAvg`, the Flower strategy that stores every round
    loader      loads a stored round back into a model (used by serving)
    server, client, serve, prepare, evaluate   container entry points (`python -m vk8s_fl.<name>`)
"""

import os

# Flower sends usage telemetry unless told not to; clusters here are offline and
# training runs must not phone home. Opt in by exporting FLWR_TELEMETRY_ENABLED=1.
os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")

__version__ = "0.1.0"
