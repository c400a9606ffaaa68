"""The Index tab's remove-with-confirm and restore: removing a document asks first ("Remove X? Confirm /
Cancel"); removed documents (kept in the corpus folder's hidden `.removed/`, newest first) can be put back.

A restore moves the file back under its old name and updates the index; the embedding store still holds the
document's passages, so nothing is embedded again (the update message says "embedded 0 new passages").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from ..errors import QAError
from .files import corpus_documents, remove_document, removed_documents, restore_document
from .holder import EngineHolder
from .views import error_html, esc, update_html

Unexpected = Callable[[Exception, str], str]
FAILED = "index update failed; the previous index is still served"


def confirm_prompt(doc: str) -> str:
    return (
        f'<div class="qa-warning qa-confirm-text" role="alert">Remove <b class="qa-confirm-doc">{esc(doc)}</b> '
        "from the corpus and update the index? It can be restored from the list of removed documents.</div>"
    )


@dataclass
class RemovalControls:
    """The components: the confirm row under the Remove button and the list of removed documents."""

    confirm_row: gr.Column
    prompt: gr.HTML
    pending: gr.State
    confirm: gr.Button
    cancel: gr.Button
    removed: gr.Dropdown
    restore: gr.Button


def removal_controls() -> RemovalControls:
    """Create the components (inside the Blocks, where they are to appear)."""
    with gr.Column(visible=False, elem_id="qa-remove-confirm-row") as row:
        prompt = gr.HTML("", elem_id="qa-remove-prompt")
        with gr.Row():
            confirm = gr.Button("Confirm", variant="stop", elem_id="qa-remove-confirm")
            cancel = gr.Button("Cancel", elem_id="qa-remove-cancel")
    removed = gr.Dropdown(
        choices=[], value=None, label="Recently removed (newest first)", elem_id="qa-removed-doc", interactive=True
    )
    restore = gr.Button("Restore into the corpus and update the index", elem_id="qa-restore")
    return RemovalControls(row, prompt, gr.State(None), confirm, cancel, removed, restore)


def wire_removal(  # type: ignore[no-untyped-def]
    holder: EngineHolder,
    controls: RemovalControls,
    remove_doc: gr.Dropdown,
    remove_button: gr.Button,
    outputs: tuple[gr.HTML, gr.HTML],
    status: Callable[[], str],
    unexpected: Unexpected,
    building: dict,
    ui: dict,
) -> Callable[[], gr.Dropdown]:
    """Events: Remove shows the confirm row for the chosen document (nothing is removed yet); Confirm removes
    that document and updates the index; Cancel hides the row; Restore puts a removed document back. Returns
    the refresher of the removed list (for the page's load event)."""
    message, index_status = outputs
    c = controls

    def documents_to_remove() -> gr.Dropdown:
        return gr.Dropdown(choices=corpus_documents(holder.corpus_dir), value=None)

    def removed_choice() -> gr.Dropdown:
        return gr.Dropdown(choices=removed_documents(holder.corpus_dir), value=None)

    def remove_asked(doc: str | None):  # type: ignore[no-untyped-def]
        if not doc:
            return gr.Column(visible=False), "", None, error_html("no document chosen; pick one from the list")
        return gr.Column(visible=True), confirm_prompt(doc), doc, ""

    def remove_cancelled():  # type: ignore[no-untyped-def]
        return gr.Column(visible=False), None

    def rebuilt_message(done: Callable[[], None], progress, **shown) -> str:  # type: ignore[no-untyped-def]
        try:
            done()
            rebuilt = holder.rebuild(lambda fraction, text: progress(fraction, desc=text))
            return update_html([], rebuilt, **shown)
        except QAError as exc:
            return error_html(str(exc))
        except Exception as exc:
            return unexpected(exc, FAILED)

    def remove_confirmed(doc: str | None, progress=gr.Progress()):  # type: ignore[no-untyped-def]
        if not doc:
            text = error_html("no document chosen; pick one from the list")
        else:
            text = rebuilt_message(lambda: remove_document(holder.corpus_dir, doc), progress, removed=[doc])
        return gr.Column(visible=False), None, text, status(), documents_to_remove(), removed_choice()

    def restore_removed(name: str | None, progress=gr.Progress()):  # type: ignore[no-untyped-def]
        if not name:
            text = error_html("no removed document chosen; pick one from the list of removed documents")
        else:
            text = rebuilt_message(lambda: restore_document(holder.corpus_dir, name), progress, restored=[name])
        return text, status(), documents_to_remove(), removed_choice()

    remove_button.click(remove_asked, [remove_doc], [c.confirm_row, c.prompt, c.pending, message], **ui)
    c.cancel.click(remove_cancelled, None, [c.confirm_row, c.pending], **ui)
    c.confirm.click(
        remove_confirmed,
        [c.pending],
        [c.confirm_row, c.pending, message, index_status, remove_doc, c.removed],
        **building,
    )
    c.restore.click(restore_removed, [c.removed], [message, index_status, remove_doc, c.removed], **building)
    return removed_choice
