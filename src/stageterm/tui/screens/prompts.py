"""Small prompts over the current screen: a PIN (masked) and a part quantity."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from stageterm.tui.widgets.scanfield import PromptField


class PromptScreen(ModalScreen[str | None]):
    """Asks for one value; Enter answers it, Esc answers None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, question: str, label: str, hint: str, *, password: bool = False) -> None:
        super().__init__()
        self.question = question
        self.label = label
        self.hint = hint
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Static(Text(self.question, style="bold"), classes="prompt-question")
            with Horizontal(classes="scan-bar"):
                yield Label(self.label, classes="scan-prompt")
                yield PromptField(password=self.password, id="answer")
            yield Static(Text(f"{self.hint} Enter: OK. Esc: cancel."), classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one(PromptField).focus()

    def on_prompt_field_entered(self, message: PromptField.Entered) -> None:
        message.stop()
        self.dismiss(message.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def pin_prompt(name: str, approving: bool) -> PromptScreen:
    why = "to approve" if approving else "to sign in"
    return PromptScreen(f"PIN for {name} {why}", "PIN>", "Type the PIN.", password=True)


def quantity_prompt() -> PromptScreen:
    return PromptScreen("Quantity for the next unit", "Qty>", "Empty: whole units.")
