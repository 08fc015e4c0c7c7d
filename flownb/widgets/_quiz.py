"""Quiz: multiple-choice and true/false questions, an explanation after each answer, a score, a retry."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..quiz import Question, load, parse
from ._base import message_html, widgets


def _questions(questions: Any) -> list[Question]:
    if isinstance(questions, str | Path):
        return load(questions)
    out = []
    for q in questions:
        out.append(q if isinstance(q, Question) else parse(q))
    if not out:
        raise ValueError("a Quiz needs at least one question")
    return out


class Quiz:
    """Answer questions one at a time; each answer shows whether it was right and why.

    Parameters
    ----------
    questions : str, path or list
        A bundled bank's name (``flownb.quiz.banks()``), a JSON file, or Questions / dicts.

    Examples
    --------
    >>> from flownb.widgets import Quiz
    >>> quiz = Quiz("flow-logs-basics")
    >>> quiz.answer(0)      # the right answer to the first question
    True
    >>> quiz.next(); quiz.answer(0)
    False
    >>> quiz.score, "Security groups" not in quiz.feedback.value
    ((1, 2), True)
    >>> quiz.retry(); quiz.score
    (0, 0)
    """

    def __init__(self, questions: str | Path | Iterable[Question | dict] = "flow-logs-basics") -> None:
        w = widgets()
        self.questions = _questions(questions)
        self.answers: dict[int, bool] = {}
        self.index = 0
        self.header = w.HTML()
        self.prompt = w.HTML()
        self.choices = w.RadioButtons(options=[], value=None, layout=w.Layout(width="auto"))
        self.check_button = w.Button(description="Check", button_style="primary")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.retry_button = w.Button(description="Retry", icon="undo")
        self.feedback = w.HTML()
        self.score_text = w.HTML()
        self.check_button.on_click(lambda _b: self._check())
        self.next_button.on_click(lambda _b: self.next())
        self.retry_button.on_click(lambda _b: self.retry())
        self.widget = w.VBox(
            [self.header, self.prompt, self.choices, w.HBox([self.check_button, self.next_button, self.retry_button]),
             self.feedback, self.score_text],
            layout=w.Layout(border="1px solid #ddd", padding="8px", width="760px"),
        )  # fmt: skip
        self._show()

    @property
    def question(self) -> Question:
        return self.questions[self.index]

    @property
    def score(self) -> tuple[int, int]:
        """(right answers, questions answered)."""
        return sum(self.answers.values()), len(self.answers)

    def answer(self, choice: int | bool | str) -> bool:
        """Answer the current question (an index, True/False or the choice's text); whether it was right."""
        q = self.question
        ok = q.is_correct(choice)
        self.answers.setdefault(self.index, ok)  # the first answer counts
        verdict = "Right." if ok else f"Not quite: the answer is “{q.correct_choice}”."
        src = (
            f'<div style="color:#777;font-size:12px">Source: {html.escape(q.source)}</div>'
            if q.source
            else ""
        )
        self.feedback.value = (
            message_html(verdict, "ok" if ok else "error")
            + f'<div style="font-size:13px;margin-top:4px">{html.escape(q.explanation)}</div>{src}'
        )
        self.check_button.disabled = True
        self._score()
        return ok

    def next(self) -> None:
        """Go to the next question (the last one wraps to a summary)."""
        if self.index < len(self.questions) - 1:
            self.index += 1
            self._show()
        else:
            right = self.score[0]
            self.feedback.value = message_html(
                f"Done: {right} of {len(self.questions)} right. Press Retry to start again.", "info"
            )

    def retry(self) -> None:
        """Start again from the first question, score cleared."""
        self.answers = {}
        self.index = 0
        self._show()

    def _check(self) -> None:
        if self.choices.value is None:
            self.feedback.value = message_html("Pick an answer first.", "warning")
            return
        self.answer(self.choices.index)

    def _show(self) -> None:
        q = self.question
        topic = f" · {html.escape(q.topic)}" if q.topic else ""
        self.header.value = f'<div style="color:#555;font-size:12px">Question {self.index + 1} of {len(self.questions)}{topic}</div>'
        self.prompt.value = f'<div style="font-size:14px;font-weight:600">{html.escape(q.prompt)}</div>'
        self.choices.options = list(q.choices)
        self.choices.value = None
        self.check_button.disabled = False
        self.feedback.value = ""
        self._score()

    def _score(self) -> None:
        right, done = self.score
        self.score_text.value = message_html(
            f"Score: {right} / {done} answered ({len(self.questions)} questions)", "info"
        )

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)
