#!/usr/bin/env python3
"""Writes a large synthetic trace and a scenario that replays it, to measure capsim on big traces.

    python3 scripts/make-big-trace.py --rows 1000000 --out /tmp/big

writes /tmp/big/big-trace.csv (1,000,000 VMs, about 86 MB) and /tmp/big/big-trace.toml, then
prints the number of VMs and their total running seconds. BENCHMARKS.md ("Big traces") uses it.

Row i (from 0) is a pure function of i, so the output is the same on every machine and every
Python 3 version (integer arithmetic only, no random module, no time zone database):
  h        = (i * 2654435761) mod 2^32           (Knuth's multiplicative hash)
  type     = TYPES[h mod 4], zone = ZONES[(h >> 8) mod 3]
  start    = START + (i * SPAN) // rows + (h >> 12) mod 600      (seconds; sorted by i, roughly)
  duration = 60 + (h >> 4) mod 86400                            (one minute to one day)
  end      = start + duration
Every VM lies inside the scenario's 91-day horizon (SPAN leaves two days free at the end), so
the usage capsim bills is exactly the total printed. tests/it/big_trace.rs generates the same
rows to check that a 200,000-row trace is read whole.
"""

import argparse
import datetime as dt
from pathlib import Path

TYPES = ["m6i.large", "m6i.xlarge", "m6i.2xlarge", "m6i.4xlarge"]
ZONES = ["eu-west-2a", "eu-west-2b", "eu-west-2c"]
START = int(dt.datetime(2027, 1, 4, tzinfo=dt.timezone.utc).timestamp())  # a Monday
HORIZON_DAYS = 91
SPAN = (HORIZON_DAYS - 2) * 86400

SCENARIO = """# A scenario that replays big-trace.csv, written by scripts/make-big-trace.py.
[scenario]
name = "big-trace"
start = "2027-01-04T00:00:00Z"
horizon = "{days}d"
trials = 10
seed = 1
currency = "USD"

[billing]
profile = "aws"

[[instance_type]]
name = "m6i.large"
family = "m6i"
units = 4
payg_hourly = "0.111"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.0700" }}
all_upfront = "580"

[[instance_type]]
name = "m6i.xlarge"
family = "m6i"
units = 8
payg_hourly = "0.222"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.1400" }}

[[instance_type]]
name = "m6i.2xlarge"
family = "m6i"
units = 16
payg_hourly = "0.444"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.2800" }}

[[instance_type]]
name = "m6i.4xlarge"
family = "m6i"
units = 32
payg_hourly = "0.888"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.5600" }}

[[fleet]]
name = "replayed"
trace = "big-trace.csv"

[[strategy]]
name = "regional-flex"
[[strategy.reserve]]
instance_type = "m6i.large"
size_flexible = true
count = 2000
term = "1y"
payment = "no_upfront"

[[strategy]]
name = "zonal-upfront"
[[strategy.reserve]]
instance_type = "m6i.large"
zone = "eu-west-2a"
count = 500
term = "1y"
payment = "all_upfront"
"""


def instant(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="VMs to write")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    with open(args.out / "big-trace.csv", "w", newline="") as f:
        f.write("id,instance_type,zone,start,end\n")
        lines = []
        for i in range(args.rows):
            h = (i * 2654435761) % 2**32
            start = START + (i * SPAN) // args.rows + (h >> 12) % 600
            duration = 60 + (h >> 4) % 86400
            total += duration
            lines.append(
                f"vm-{i:07d},{TYPES[h % 4]},{ZONES[(h >> 8) % 3]},"
                f"{instant(start)},{instant(start + duration)}\n"
            )
            if len(lines) == 10000:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))
    (args.out / "big-trace.toml").write_text(SCENARIO.format(days=HORIZON_DAYS))
    print(f"{args.rows} VMs, {total} VM-seconds")


if __name__ == "__main__":
    main()
