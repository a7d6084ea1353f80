"""`python -m sandbox --records N --seed S`: serve the fakes until interrupted."""

from __future__ import annotations

import argparse

from sandbox.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument(
        "--records", type=int, default=1000, help="Pipedrive persons and Shopify customers"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--pipedrive-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--brevo-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--shopify-port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    serve(
        records=args.records,
        seed=args.seed,
        host=args.host,
        pipedrive_port=args.pipedrive_port,
        brevo_port=args.brevo_port,
        shopify_port=args.shopify_port,
    )


if __name__ == "__main__":
    main()
