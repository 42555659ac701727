"""Pipeline step "evaluate the saved model": `python -m vk8s_fl.evaluate`.

Loads a stored round through the model loader, reports held-out loss and accuracy as
one JSON line, writes the accuracy to `--output` when given (the Kubeflow Pipelines
step's output parameter), and exits 1 when accuracy is below `--min-accuracy`.
"""

from __future__ import annotations

import argparse
import json
import os

from .cli import add_option, add_storage_options, open_storage
from .data import DATASETS, load_named_dataset
from .loader import load_model


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vk8s_fl.evaluate", description=__doc__)
    add_option(p, "--dataset", default="npz", choices=DATASETS, help="held-out data")
    add_option(p, "--data-path", default=None, help="the .npz file (npz) or download directory (cifar10)")
    add_option(p, "--round", default=None, type=int, help="round to evaluate (default: the latest stored)")
    add_option(p, "--min-accuracy", default=0.0, type=float, help="fail below this held-out accuracy")
    add_option(p, "--seed", default=0, type=int, help="seed of the digits held-out split")
    add_option(p, "--output", default=None, help="file to write the accuracy to, 6 decimals (parent folders made)")
    add_storage_options(p)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model, meta = load_model(open_storage(args), args.group, args.project, args.round)
    data = load_named_dataset(args.dataset, args.data_path, seed=args.seed)
    loss, accuracy = model.evaluate(data.x_test, data.y_test)
    print(json.dumps({"round": meta["round"], "loss": round(loss, 6), "accuracy": round(accuracy, 6),
                      "examples": int(len(data.y_test))}, sort_keys=True), flush=True)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as out:
            out.write(f"{accuracy:.6f}")
    return 0 if accuracy >= args.min_accuracy else 1


if __name__ == "__main__":
    raise SystemExit(main())
