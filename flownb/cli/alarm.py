"""``flownb alarm FILES... --pattern P --threshold T --period 5m --evaluation-periods N [--datapoints M]``.

Runs a CloudWatch Logs metric filter over flow log files and evaluates a
CloudWatch alarm on the metric, period by period, printing the state timeline.
"""

from __future__ import annotations

import argparse

from ._common import add_input_arguments, read_inputs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "alarm",
        help="simulate a CloudWatch metric filter and alarm on flow logs, print the state timeline",
        description=(
            "Match a CloudWatch Logs filter pattern against flow log records, publish the metric as a "
            "metric filter would, and evaluate a CloudWatch alarm on it as CloudWatch documents it "
            "(M out of N datapoints, treat missing data)."
        ),
    )
    add_input_arguments(p)
    p.add_argument(
        "--pattern",
        required=True,
        help="filter pattern, e.g. '[..., action=REJECT, status]', 'REJECT' or '%%REJECT|NODATA%%'",
    )
    p.add_argument("--metric-name", default="FlowLogMetric", help="metric name (default FlowLogMetric)")
    p.add_argument("--metric-value", default="1", help="value per match: a number or $field (default 1)")
    p.add_argument("--default-value", type=float, default=None, help="value for non-matching events")
    p.add_argument("--threshold", type=float, required=True, help="alarm threshold")
    p.add_argument(
        "--comparison",
        default=">=",
        help="GreaterThanOrEqualToThreshold (>=, default), GreaterThanThreshold (>), LessThanThreshold (<), "
        "LessThanOrEqualToThreshold (<=)",
    )
    p.add_argument("--period", default="5m", help="alarm period: 1m, 5m, 1h or seconds (default 5m)")
    p.add_argument(
        "--evaluation-periods", type=int, required=True, metavar="N", help="datapoints evaluated (N)"
    )
    p.add_argument(
        "--datapoints", type=int, default=None, metavar="M", help="datapoints to alarm (M, default N)"
    )
    p.add_argument(
        "--statistic",
        default="Sum",
        choices=["Sum", "Average", "Minimum", "Maximum", "SampleCount"],
        help="statistic per period (default Sum)",
    )
    p.add_argument(
        "--treat-missing-data",
        default="missing",
        choices=["missing", "notBreaching", "breaching", "ignore"],
        help="how missing datapoints count (default missing)",
    )
    p.add_argument("--changes", action="store_true", help="print only the state changes (notifications)")
    p.add_argument(
        "--aws",
        metavar="LOG_GROUP",
        default=None,
        help="also print the AWS CLI commands and CloudFormation to deploy the filter and alarm on LOG_GROUP",
    )
    p.set_defaults(func=run)


def timeline(evaluations, changes_only: bool = False) -> list[str]:
    """The lines `flownb alarm` prints for the evaluations."""
    lines = [f"{'period start (UTC)':<19}  {'value':>12}  {'window':<{_w(evaluations)}}  state"]
    for r in evaluations.itertuples():
        if changes_only and not r.changed:
            continue
        value = "-" if r.value != r.value else f"{r.value:g}"  # NaN: missing
        mark = f"   <- {r.previous_state} -> {r.state}" if r.changed else ""
        lines.append(
            f"{r.timestamp:%Y-%m-%d %H:%M:%S}  {value:>12}  {r.window:<{_w(evaluations)}}  {r.state}{mark}"
        )
    return lines


def _w(evaluations) -> int:
    return max([len("window"), *(len(w) for w in evaluations["window"])])


def run(args: argparse.Namespace) -> int:
    from ..monitoring._alarm import Alarm
    from ..monitoring._metric_filter import MetricFilter

    mf = MetricFilter(
        args.pattern,
        metric_name=args.metric_name,
        metric_value=args.metric_value,
        default_value=args.default_value,
    )
    alarm = Alarm(
        threshold=args.threshold,
        comparison=args.comparison,
        period=args.period,
        evaluation_periods=args.evaluation_periods,
        datapoints_to_alarm=args.datapoints,
        statistic=args.statistic,
        treat_missing_data=args.treat_missing_data,
    )
    df = read_inputs(args)
    matched = int(mf.matches(df).sum())
    print(f"filter:  {args.pattern}")
    print(f"matched: {matched:,} of {len(df):,} records")
    print(f"alarm:   {alarm.describe(args.metric_name)}")
    if not len(df) or "start" not in df.columns:
        print("no records with a start time: nothing to evaluate")
        return 0
    evaluations = alarm.evaluate(mf.datapoints(df), start=df["start"].min(), end=df["start"].max())
    print()
    for line in timeline(evaluations, args.changes):
        print(line)
    counts = evaluations["state"].value_counts()
    print()
    print(
        "periods: "
        + ", ".join(f"{s} {int(counts.get(s, 0)):,}" for s in ("OK", "ALARM", "INSUFFICIENT_DATA"))
        + f"; notifications: {len(alarm.transitions):,}"
    )
    if args.aws:
        print()
        print(mf.to_aws(args.aws))
        print()
        print(alarm.to_aws(f"{args.metric_name}-alarm", metric=mf))
    return 0
