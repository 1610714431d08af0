"""The table every benchmark writes into docs/benchmarks.md, shared by the bench/*/run.sh
scripts (their embedded Python imports it; bench/lib.sh exports BENCH_PYTHON)."""


def fmt_rate(x):
    """12345 -> '12.3 k', 2.5e6 -> '2.50 M'."""
    return f"{x/1e6:.2f} M" if x >= 1e6 else f"{x/1e3:.1f} k" if x >= 1e3 else f"{x:.0f}"


def met(ok):
    return "met" if ok else "**not met**"


class Table:
    """Rows of (measure, figure, limit, ratio, goal) stamped with commit, date and command."""

    def __init__(self, commit, date, command):
        self.commit, self.date, self.command = commit, date, command
        self.rows = []

    def row(self, measure, figure, limit="—", ratio="—", goal="—"):
        self.rows.append(f"| {measure} | {figure} | {limit} | {ratio} | {goal} | "
                         f"{self.commit} | {self.date} | {self.command} |")

    def print(self, heading):
        print(f"{heading}\n")
        print("| Measure | Figure | Limit | Ratio to the limit | Goal | Commit | Date | Command |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(self.rows))
