"""Small result objects shared by the monitoring modules: they print well and show well."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .._durations import duration_seconds

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
    """A period as whole seconds: ``"5min"``, ``"5m"``, ``"1h"``, ``"PT5M"``, ``300`` or a Timedelta.

    The one duration parser (:func:`flownb._durations.duration_seconds`), named for the alarm's words.
    """
    return duration_seconds(period, name=what)


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
