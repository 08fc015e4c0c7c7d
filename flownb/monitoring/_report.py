"""Small result objects shared by the monitoring modules: they print well and show well."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

__all__ = ["AwsDefinition", "period_seconds", "yaml_str"]


def yaml_str(value: object) -> str:
    """A YAML scalar: numbers as they are, text double-quoted (JSON escaping is valid YAML)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(int(value)) if float(value).is_integer() else repr(float(value))
    return json.dumps(str(value))


def period_seconds(period: str | int | float | pd.Timedelta, what: str = "period") -> int:
    """A period as whole seconds: ``"5min"``, ``"5m"``, ``"1h"``, ``300`` or a Timedelta."""
    if isinstance(period, bool):
        raise TypeError(f"'{what}' must be a duration such as '5min' or 300 (seconds), got {period!r}")
    if isinstance(period, int | float):
        secs = float(period)
    else:
        text = str(period).strip() if not isinstance(period, pd.Timedelta) else period
        if isinstance(text, str) and text[-1:] == "m" and text[:-1].isdigit():
            text = text + "in"  # "5m" is minutes, as AWS consoles write it
        try:
            secs = pd.Timedelta(text).total_seconds()
        except (ValueError, TypeError):
            raise ValueError(
                f"'{what}' must be a duration such as '1min', '5m', '1h' or a number of seconds, got {period!r}"
            ) from None
    if secs <= 0 or not float(secs).is_integer():
        raise ValueError(f"'{what}' must be a positive whole number of seconds, got {period!r}")
    return int(secs)


@dataclass(frozen=True)
class AwsDefinition:
    """What to deploy: the AWS CLI command and the CloudFormation resource, as text.

    ``str(definition)`` gives both; ``definition.cli`` and
    ``definition.cloudformation`` give one each.
    """

    kind: str
    cli: str
    cloudformation: str

    def __str__(self) -> str:
        return f"# AWS CLI\n{self.cli}\n\n# CloudFormation (YAML)\n{self.cloudformation}"

    def __repr__(self) -> str:
        return f"<AwsDefinition {self.kind}>\n{self}"

    def _repr_html_(self) -> str:
        return (
            f"<div><b>{html.escape(self.kind)}</b>"
            f"<p>AWS CLI</p><pre>{html.escape(self.cli)}</pre>"
            f"<p>CloudFormation (YAML)</p><pre>{html.escape(self.cloudformation)}</pre></div>"
        )
