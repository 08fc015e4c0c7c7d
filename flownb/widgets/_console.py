"""QueryConsole: CloudWatch Logs Insights queries on local records, with AWS's and flownb's sample queries."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from ..charts._common import altair, empty_chart, time_label, title, utc_x, vchart
from ..insights import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES, field_names, sample_queries
from ._base import jupyter_chart, message_html, table_html, widgets

#: Title -> query of every sample the console offers: AWS's published flow log queries, then flownb's own
#: (the list lives in flownb.insights; the console only shows it).
SAMPLE_QUERIES: dict[str, str] = sample_queries()
_GROUP_LABEL = {"aws": "AWS sample", "flownb": "flownb example"}
_NOTES = {q.title: q.note for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES if q.note}


def sample_options() -> list[tuple[str, str]]:
    """(label, title) pairs for the samples menu: each label says which group the query belongs to.

    Examples
    --------
    >>> sample_options()[0]
    ('AWS sample · Find the top 15 packet transfers across hosts', 'Find the top 15 packet transfers across hosts')
    """
    return [
        (f"{_GROUP_LABEL[q.group]} · {q.title}", q.title) for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES
    ]


def run_query(df: pd.DataFrame, text: str, tables: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a Logs Insights query (a thin wrapper: the console's only data call); ``tables`` for ``lookup``."""
    from ..insights import query

    if not text or not text.strip():
        raise ValueError("type a Logs Insights query, or pick a sample query")
    return query(df, text, tables=tables)


def auto_chart(result: pd.DataFrame) -> Any | None:
    """A chart for a query result when one makes sense: a line for a ``bin()`` time series, bars for a top-N.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets._console import auto_chart, run_query, SAMPLE_QUERIES
    >>> df = flownb.samples.load("demo")
    >>> auto_chart(run_query(df, SAMPLE_QUERIES["Bytes every 5 minutes"])).to_dict()["mark"]["type"]
    'line'
    >>> auto_chart(run_query(df, SAMPLE_QUERIES["Top 20 sources of rejected requests"])).to_dict()["mark"]["type"]
    'bar'
    """
    if result is None or len(result) == 0:
        return None
    alt = altair()
    times = [c for c in result.columns if isinstance(result[c].dtype, pd.DatetimeTZDtype)]
    numeric = [c for c in result.columns if pd.api.types.is_numeric_dtype(result[c].dtype) and c not in times]
    keys = [c for c in result.columns if c not in times and c not in numeric]
    if times and numeric and len(result) <= 5000:
        t = times[0]
        data = result[[t, *numeric]].rename(columns={t: "time"})
        data = data.melt("time", numeric, var_name="series", value_name="value").dropna()
        data["value"] = data["value"].astype(float)
        data["time_utc"] = time_label(data["time"])
        return (
            vchart(
                alt, data, title=title(alt, f"{', '.join(numeric)} over time", "from the query's bin(), UTC")
            )
            .mark_line(point=True, interpolate="step-after")
            .encode(
                x=utc_x(alt),
                y=alt.Y("value:Q", title=numeric[0] if len(numeric) == 1 else "value"),
                color=alt.Color("series:N", title=None),
                tooltip=[
                    alt.Tooltip("time_utc:N", title="bin"),
                    alt.Tooltip("series:N"),
                    alt.Tooltip("value:Q", format=","),
                ],
            )
            .properties(width=600, height=200)
        )
    if keys and numeric and len(result) <= 50:
        data = result[[*keys, numeric[0]]].copy()
        data["key"] = data[keys].astype(str).agg(" → ".join, axis=1)
        data["value"] = data[numeric[0]].astype(float)
        return (
            vchart(alt, data, title=title(alt, f"{numeric[0]} by {', '.join(keys)}"))
            .mark_bar(color="#4c78a8")
            .encode(
                y=alt.Y("key:N", sort="-x", title=" → ".join(keys), axis=alt.Axis(labelLimit=260)),
                x=alt.X("value:Q", title=numeric[0]),
                tooltip=[
                    alt.Tooltip("key:N", title=" → ".join(keys)),
                    alt.Tooltip("value:Q", title=numeric[0], format=","),
                ],
            )
            .properties(width=360, height=max(80, 18 * len(data)))
        )
    return None


def error_html(exc: Exception) -> str:
    """An error with its caret line kept aligned (a <pre> block)."""
    return (
        '<pre style="color:#b00020;font-size:12px;font-family:monospace;white-space:pre;margin:4px 0">'
        f"{html.escape(str(exc), quote=False)}</pre>"
    )


class QueryConsole:
    """Write a Logs Insights query (or pick an AWS sample), Run, and read the result as a table and a chart.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import QueryConsole
    >>> qc = QueryConsole(flownb.samples.load("aws-docs/default-accept-reject"))
    >>> qc.text.value = "filter action = 'REJECT' | fields srcAddr, dstPort"
    >>> qc.run().values.tolist()
    [['172.31.9.69', 3389]]
    >>> qc.text.value = "filter action = | stats"
    >>> qc.run() is None, "^" in qc.message.value
    (True, True)
    >>> "startTime, endTime" in qc.fields.value
    True
    >>> ports = pd.DataFrame({"port": ["22"], "service": ["ssh"]})
    >>> qc = QueryConsole(flownb.samples.load("aws-docs/default-accept-reject"), tables={"ports": ports})
    >>> qc.text.value = "lookup ports port as dstPort OUTPUT service | filter ispresent(service) | fields service"
    >>> qc.run()["service"].tolist()
    ['ssh']
    """

    def __init__(
        self, df: pd.DataFrame, query: str | None = None, *, tables: dict[str, Any] | None = None
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(
                f"QueryConsole needs a pandas DataFrame of flow log records, got {type(df).__name__}"
            )
        w = widgets()
        self.df = df
        self.tables = dict(tables or {})  # lookup tables: name -> DataFrame or CSV path
        self.result: pd.DataFrame | None = None
        self.last_error: Exception | None = None
        first = next(iter(SAMPLE_QUERIES))
        self.samples = w.Dropdown(options=[("(sample queries)", "(sample queries)"), *sample_options()],
                                  value="(sample queries)", description="samples",
                                  layout=w.Layout(width="640px"))  # fmt: skip
        self.text = w.Textarea(value=query or SAMPLE_QUERIES[first], layout=w.Layout(width="720px", height="110px"),
                               continuous_update=False)  # fmt: skip
        self.button = w.Button(description="Run", button_style="primary", icon="play")
        self.message = w.HTML()
        self.fields = w.HTML(
            '<div style="font-size:12px;color:#555">Fields, as CloudWatch names them: '
            + html.escape(", ".join(field_names(df)))
            + "</div>"
        )
        self.table = w.HTML()
        self.view = jupyter_chart(
            empty_chart(altair(), "Run a query: a time series or a top-N is charted here", height=40)
        )
        self.samples.observe(self._on_sample, names="value")
        self.button.on_click(lambda _b: self.run())
        self.widget = w.VBox(
            [self.samples, self.fields, self.text, self.button, self.message, self.view, self.table]
        )

    def _on_sample(self, change: Any) -> None:
        if change["new"] in SAMPLE_QUERIES:
            self.text.value = SAMPLE_QUERIES[change["new"]]
            self.run()
            note = _NOTES.get(change["new"])
            if note and self.result is not None:
                self.message.value += message_html(note, "info")

    def run(self) -> pd.DataFrame | None:
        """Run the query in the text box; the result (None after an error, shown as a message)."""
        from ..insights import InsightsSyntaxError

        self.message.value = ""
        try:
            result = run_query(self.df, self.text.value, self.tables)
        except InsightsSyntaxError as exc:
            self.last_error = exc
            self.message.value = error_html(exc)
            return None
        except (ValueError, TypeError, KeyError) as exc:
            self.last_error = exc
            self.message.value = error_html(exc)
            return None
        self.result = result
        self.message.value = message_html(f"{len(result):,} row(s)", "ok" if len(result) else "info")
        self.table.value = table_html(result, 50)
        chart = auto_chart(result)
        self.view.chart = (
            chart
            if chart is not None
            else empty_chart(altair(), "No chart for this result (not a time series or a top-N)", height=40)
        )
        return result

    @property
    def chart(self) -> Any:
        """The chart shown for the last result."""
        return self.view.chart

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)
