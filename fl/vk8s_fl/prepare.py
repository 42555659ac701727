"""Pipeline steps "download data" + "preprocess": `python -m vk8s_fl.prepare`.

Writes the data set as fixed-size numpy arrays to one `.npz` file on the volume, which
clients and the evaluate step then read with `--dataset npz --data-path <file>`.
"""

from __future__ import annotations

import argparse

from .cli import add_option
from .data import load_digits_dataset, save_dataset


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vk8s_fl.prepare", description=__doc__)
    add_option(p, "--dataset", default="cifar10", choices=("cifar10", "digits"), help="data set to prepare")
    add_option(p, "--download-dir", default="/data/raw", help="where the CIFAR-10 archive is kept")
    add_option(p, "--image-size", default=32, type=int, help="CIFAR-10 output height and width")
    add_option(p, "--out", default=None, required=True, help="the .npz file to write")
    add_option(p, "--seed", default=0, type=int, help="seed of the digits held-out split")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.dataset == "cifar10":
        from .cifar10 import load_cifar10, preprocess_cifar10

        data = preprocess_cifar10(load_cifar10(args.download_dir), image_size=args.image_size)
    else:
        data = load_digits_dataset(seed=args.seed)
    save_dataset(data, args.out)
    print(f"wrote {args.out}: train {list(data.x_train.shape)}, test {list(data.x_test.shape)}, "
          f"{data.num_classes} classes", flush=True)


if __name__ == "__main__":
    main()
