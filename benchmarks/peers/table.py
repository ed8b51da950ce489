"""Print one markdown table from the JSON of several ``run.py`` runs on the same draws.

Rows are grouped by dataset and dose in the order of the first file; the noisy-input and
Gaussian rows that every run repeats are taken once, after checking that they agree
(same images, seed and doses give the same draws).

    python benchmarks/peers/table.py results.json results-tk_r_em.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from run import _print

BASELINES = ("noisy input", "Gaussian, best sigma")


def merge(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows of all ``runs``, grouped by (data, dose), with the baselines once.

    Raises
    ------
    SystemExit
        When two runs disagree on a baseline row: they did not share their noise draws.
    """
    blocks = dict.fromkeys((r["data"], r["dose"]) for rows in runs for r in rows)
    merged: list[dict[str, Any]] = []
    for key in blocks:
        seen: dict[str, dict[str, Any]] = {}
        for rows in runs:
            for row in (r for r in rows if (r["data"], r["dose"]) == key):
                method = row["method"]
                if method.startswith(BASELINES) and method in seen:
                    if seen[method]["psnr_count"] != row["psnr_count"]:
                        raise SystemExit(f"{key} {method}: the runs used different noise")
                    continue
                seen[method] = row
                merged.append(row)
    return merged


def main() -> None:
    """Read the JSON files and print the merged table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+", help="JSON written by run.py -o")
    args = parser.parse_args()
    runs = [json.loads(path.read_text())["rows"] for path in args.results]
    _print(merge(runs), header=True)


if __name__ == "__main__":
    main()
