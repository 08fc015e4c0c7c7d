"""Question banks: multiple-choice and true/false questions stored as JSON files in ``flownb/quiz/data``.

A bank file is ``{"title": ..., "description": ..., "questions": [...]}``; each question has
``id``, ``type`` (``"multiple_choice"`` or ``"true_false"``), ``prompt``, ``choices`` (multiple
choice only), ``answer`` (the index of the right choice, or ``true``/``false``),
``explanation``, and optionally ``topic``, ``task_statement`` (the ANS-C01 task statement the
question trains, one of :data:`TASK_STATEMENTS`) and ``source``: the pages that prove the answer,
each ``{"title": ..., "url": ...}`` (a list of them, or one; a plain string is read as a title
without an address).

Every bundled question names its task statement and at least one AWS page with its address
(``tests/quiz`` checks it); banks of your own may leave both out.

Examples
--------
>>> from flownb import quiz
>>> "flow-logs-basics" in quiz.banks()
True
>>> q = quiz.load("flow-logs-basics")[1]
>>> q.type, q.choices, q.is_correct(False)
('true_false', ('True', 'False'), True)
>>> q.references[0].url
'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html'
>>> q.task_statement.split(":")[0]
'Task 4.2'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["TASK_STATEMENTS", "Question", "Reference", "banks", "load", "parse"]

TYPES = ("multiple_choice", "true_false")

_GUIDE = "https://docs.aws.amazon.com/aws-certification/latest/userguide/advanced-networking-specialty-01-domain{}.html"

#: The ANS-C01 task statements the bundled questions train, as the exam guide words them,
#: with the exam guide page that lists each (AWS Certification, "AWS Certified Advanced
#: Networking - Specialty (ANS-C01)", content domains 1, 3 and 4; read 2026-12-02).
TASK_STATEMENTS: dict[str, str] = {
    "Task 1.4: Define logging and monitoring requirements across AWS and hybrid networks": _GUIDE.format(1),
    "Task 3.2: Monitor and analyze network traffic to troubleshoot and optimize connectivity patterns": (
        _GUIDE.format(3)
    ),
    "Task 3.3: Optimize AWS networks for performance, reliability, and cost-effectiveness": _GUIDE.format(3),
    "Task 4.2: Validate and audit security by using network monitoring and logging services": _GUIDE.format(
        4
    ),
}


@dataclass(frozen=True)
class Reference:
    """A page that proves an answer: its title and its address (empty when the bank gave none).

    Examples
    --------
    >>> from flownb import quiz
    >>> ref = quiz.load("flow-logs-basics")[0].references[0]
    >>> print(ref)
    Amazon VPC User Guide: Flow log record examples: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html
    >>> str(quiz.Reference("My team's runbook"))
    "My team's runbook"
    """

    title: str
    url: str = ""

    def __str__(self) -> str:
        return f"{self.title}: {self.url}" if self.url else self.title


@dataclass(frozen=True)
class Question:
    """One question: what is asked, the choices, the right answer, why, and where that is written.

    Examples
    --------
    >>> from flownb import quiz
    >>> q = quiz.load("flow-logs-basics")[0]
    >>> q.id, q.type, q.correct_choice
    ('fl-001', 'multiple_choice', 'One ACCEPT record inbound and one REJECT record outbound')
    >>> q.is_correct(q.answer), q.is_correct(q.choices[0]) == (q.answer == 0)
    (True, True)
    """

    id: str
    type: str
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str
    topic: str = ""
    references: tuple[Reference, ...] = ()
    task_statement: str = ""

    @property
    def source(self) -> str:
        """The references as one line of text (titles and addresses), empty when there are none."""
        return "; ".join(str(r) for r in self.references)

    def is_correct(self, choice: int | bool | str) -> bool:
        """Whether ``choice`` (an index, True/False, or the choice's text) is the right answer."""
        if isinstance(choice, bool):
            index = 0 if choice else 1
        elif isinstance(choice, str):
            if choice not in self.choices:
                raise ValueError(f"'choice' must be one of {list(self.choices)}, got {choice!r}")
            index = self.choices.index(choice)
        else:
            index = int(choice)
        return index == self.answer

    @property
    def correct_choice(self) -> str:
        return self.choices[self.answer]


def _references(value: Any, here: str) -> tuple[Reference, ...]:
    """The ``source`` of a question as References (a string, one {title, url} or a list of them)."""
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list) else [value]
    refs = []
    for item in items:
        if isinstance(item, str):
            refs.append(Reference(item))
        elif isinstance(item, dict) and isinstance(item.get("title"), str) and item["title"]:
            url = item.get("url", "")
            if not isinstance(url, str) or (url and not url.startswith("https://")):
                raise ValueError(f"{here}: a source 'url' must be an https:// address, got {url!r}")
            refs.append(Reference(item["title"], url))
        else:
            raise ValueError(
                f"{here}: 'source' must be a title, {{'title': ..., 'url': ...}} or a list of them, got {item!r}"
            )
    return tuple(refs)


def parse(item: dict[str, Any], where: str = "question") -> Question:
    """A Question from its dict, checked (a ValueError names the question and the field).

    Examples
    --------
    >>> from flownb import quiz
    >>> q = quiz.parse({
    ...     "id": "my-1", "type": "true_false", "prompt": "Flow logs capture packet payloads.",
    ...     "answer": False, "explanation": "They record metadata (addresses, ports, counts), not contents.",
    ...     "source": {"title": "Flow log records",
    ...                "url": "https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html"},
    ... })
    >>> q.choices, q.correct_choice, q.source
    (('True', 'False'), 'False', 'Flow log records: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html')
    >>> quiz.parse({"id": "my-2", "type": "true_false", "prompt": "?", "answer": "yes", "explanation": ""})
    Traceback (most recent call last):
    ...
    ValueError: question 'my-2': a true_false 'answer' must be true or false, got 'yes'
    """
    qid = str(item.get("id", "?"))
    here = f"{where} {qid!r}"
    missing = [k for k in ("id", "type", "prompt", "answer", "explanation") if k not in item]
    if missing:
        raise ValueError(f"{here} lacks {missing}")
    qtype = item["type"]
    if qtype not in TYPES:
        raise ValueError(f"{here}: 'type' must be one of {list(TYPES)}, got {qtype!r}")
    choices: tuple[str, ...]
    if qtype == "true_false":
        if not isinstance(item["answer"], bool):
            raise ValueError(f"{here}: a true_false 'answer' must be true or false, got {item['answer']!r}")
        choices, answer = ("True", "False"), 0 if item["answer"] else 1
    else:
        choices = tuple(str(c) for c in item.get("choices", ()))
        if len(choices) < 2:
            raise ValueError(f"{here}: a multiple_choice question needs at least two 'choices'")
        answer = item["answer"]
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(choices):
            raise ValueError(
                f"{here}: 'answer' must be a choice index from 0 to {len(choices) - 1}, got {answer!r}"
            )
    return Question(
        id=qid,
        type=qtype,
        prompt=str(item["prompt"]),
        choices=choices,
        answer=answer,
        explanation=str(item["explanation"]),
        topic=str(item.get("topic", "")),
        references=_references(item.get("source"), here),
        task_statement=str(item.get("task_statement", "")),
    )


def _data() -> Any:
    return resources.files(__name__) / "data"


def banks() -> list[str]:
    """The names of the bundled question banks.

    Examples
    --------
    >>> from flownb import quiz
    >>> quiz.banks()
    ['exam_practice', 'flow-logs-basics']
    """
    return sorted(p.name[: -len(".json")] for p in _data().iterdir() if p.name.endswith(".json"))


def load(name: str | Path = "flow-logs-basics", *, topics: Iterable[str] | None = None) -> list[Question]:
    """The questions of a bundled bank (by name) or of a JSON file (by path), optionally only some topics.

    Examples
    --------
    >>> from flownb import quiz
    >>> len(quiz.load("exam_practice")), len(quiz.load("flow-logs-basics"))
    (87, 8)
    >>> [q.id for q in quiz.load("flow-logs-basics", topics=["NAT gateway"])]
    ['fl-005']
    """
    if isinstance(name, Path) or str(name).endswith(".json"):
        path = Path(name)
        if not path.exists():
            raise FileNotFoundError(f"no question bank at {path}")
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        if name not in banks():
            raise ValueError(f"'name' must be one of {banks()} (or a path to a .json file), got {name!r}")
        text, where = (_data() / f"{name}.json").read_text(encoding="utf-8"), f"bank {name!r}"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where} is not valid JSON: {exc}") from None
    items = doc.get("questions") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ValueError(f"{where} must hold a list of questions (under 'questions')")
    questions = [parse(q, f"{where}, question") for q in items]
    ids = [q.id for q in questions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{where}: question ids must be unique, repeated: {dupes}")
    if topics is not None:
        wanted = set(topics)
        questions = [q for q in questions if q.topic in wanted]
    return questions
