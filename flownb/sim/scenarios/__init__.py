"""Scenarios: a change to the VPC or an injected behaviour, with the ground truth of what it causes.

Each scenario is a function registered with :func:`scenario`. It runs in two
phases: called with the :class:`~flownb.sim._context.Context` while the
topology may still be edited (remove a network ACL rule, stop a service), it
returns an injector called once the topology is final, which adds the
scenario's own connections and its rows of ground truth. Parameters are
keyword arguments with defaults (which host, which port, how strong), so
``flownb.simulate("port_scan", target="web-2")`` overrides one.

The expected answers use the exact verdict codes and detector names of
DESIGN.md: connectivity scenarios name the verdict ``flownb.diagnose`` should
give (``kind="verdict"``, or ``"annotation"`` for VIA_NAT_GATEWAY), attack
scenarios the detector that should find them (``kind="detector"``).

Examples
--------
>>> from flownb.sim.scenarios import SCENARIOS
>>> SCENARIOS["port_scan"].parameters["target"], SCENARIOS["port_scan"].category
('web-1', 'attack')
>>> import flownb.sim as sim
>>> sim.simulate("ssh_brute_force", duration="30min", scale=0).truth["expected"].tolist()
['brute_force']
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._context import Context

__all__ = ["SCENARIOS", "Scenario", "scenario", "scenario_table"]

Injector = Callable[[Context], None]


@dataclass(frozen=True)
class Scenario:
    """A registered scenario: its name, one-line description, category and parameters.

    Examples
    --------
    >>> from flownb.sim.scenarios import SCENARIOS
    >>> s = SCENARIOS["sg_blocks_inbound"]
    >>> s.category, s.parameters["server"], s.parameters["port"]
    ('connectivity', 'db-2', 5432)
    """

    name: str
    description: str
    category: str
    func: Callable[..., Injector | None]

    @property
    def parameters(self) -> dict[str, Any]:
        """Keyword parameters and their defaults."""
        sig = inspect.signature(self.func)
        return {k: p.default for k, p in list(sig.parameters.items())[1:]}


#: Every scenario of the VPC twin by name (filled by :func:`scenario`); ``flownb.scenarios()`` lists them.
SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, category: str
) -> Callable[[Callable[..., Injector | None]], Callable[..., Injector | None]]:
    """Register a scenario function; its docstring's first line is its description.

    Examples
    --------
    A scenario of your own: the web tier's HTTP rule is removed, so port 80 is REJECTed:

    >>> import flownb
    >>> from flownb.sim.scenarios import SCENARIOS, scenario
    >>> @scenario("http_closed", "connectivity")
    ... def http_closed(ctx):
    ...     '''Someone removes the web tier's HTTP rule: port 80 is REJECTed.'''
    ...     web = ctx.topo.security_group("web-sg")
    ...     web.inbound = [rule for rule in web.inbound if rule.ports != (80, 80)]
    >>> SCENARIOS["http_closed"].description
    "Someone removes the web tier's HTTP rule: port 80 is REJECTed."
    >>> flows = flownb.simulate("http_closed", duration="10min", scale=0.3).flows
    >>> flows.loc[flows["dstport"] == 80, "action"].unique().tolist()
    ['REJECT']
    >>> del SCENARIOS["http_closed"]  # the registry is shared: leave it as it was
    """

    def wrap(func: Callable[..., Injector | None]) -> Callable[..., Injector | None]:
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else name
        SCENARIOS[name] = Scenario(name, doc, category, func)
        return func

    return wrap


def scenario_table() -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every registered scenario as ``(name, category, description, parameters)``, in registration order.

    ``flownb.scenarios()`` shows the same rows as a DataFrame.

    Examples
    --------
    >>> from flownb.sim.scenarios import scenario_table
    >>> name, category, description, parameters = scenario_table()[1]
    >>> name, category, parameters["server"], parameters["port"]
    ('nacl_blocks_return', 'connectivity', 'db-1', 5432)
    """
    return [(s.name, s.category, s.description, s.parameters) for s in SCENARIOS.values()]


def check_names(names: list[str]) -> None:
    for n in names:
        if n not in SCENARIOS:
            close = difflib.get_close_matches(str(n), list(SCENARIOS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"'scenario' must be one of {list(SCENARIOS)}, got {n!r}{hint}")


@scenario("baseline", "baseline")
def baseline(ctx: Context) -> Injector | None:
    """Normal traffic of the topology's demands: web, app, database, APIs via NAT, admin SSH and RDP."""
    return None


# Registering the scenarios (connectivity first, then attacks: the order flownb.scenarios() lists them in).
# isort: off
from . import _connectivity  # noqa: E402
from . import _attacks  # noqa: E402

# isort: on

del _connectivity, _attacks
