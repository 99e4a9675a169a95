"""An analyst in another process: queries the analyst snapshot in a loop until told to stop.

    python -m tests.analyst_reader <analyst warehouse.duckdb> <out.jsonl> <stop file>

Each line of the output is one query round: the build it saw, the tables whose rows differ from
what that build recorded (a half-built snapshot would show here), a real analyst query's answer,
or the error it got.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from orchestration.snapshot import verify


def main(analyst: Path, out: Path, stop: Path) -> None:
    with out.open("w") as log:
        while not stop.exists():
            if not analyst.exists():
                time.sleep(0.2)
                continue
            record: dict = {}
            try:
                with duckdb.connect(str(analyst), read_only=True) as con:
                    built_for, partial = verify(con)
                    boardings = con.execute(
                        "select count(*), sum(boardings) from marts.fct_transit_boardings_hourly"
                    ).fetchone()
                record = {"built_for": str(built_for), "partial": partial, "boardings": boardings}
            except Exception as exc:
                record = {"error": f"{type(exc).__name__}: {exc}"}
            log.write(json.dumps(record, default=str) + "\n")
            log.flush()
            time.sleep(0.5)  # an analyst, not a load test: the build keeps the machine


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
