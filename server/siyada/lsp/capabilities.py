"""The client capabilities Siyada cares about, flattened once at initialize."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

STATUS_MESSAGES = "siyadaStatusMessages"


@dataclass(frozen=True)
class ClientFlags:
    """The client capabilities Siyada cares about, flattened once at initialize."""

    configuration: bool = False
    versioned_edits: bool = False
    work_done_progress: bool = False
    hover_markdown: bool = False
    # `experimental.siyadaStatusMessages`: the client tells the outages of
    # `status.CLIENT_TOLD_STATES` itself, from `siyada/status`.
    status_messages: bool = False
    # Edits with change annotations that need confirmation: VS Code previews them.
    change_annotations: bool = False

    @classmethod
    def of(cls, capabilities: types.ClientCapabilities) -> ClientFlags:
        workspace = capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        window = capabilities.window
        hover = capabilities.text_document.hover if capabilities.text_document else None
        experimental = capabilities.experimental
        return cls(
            configuration=bool(workspace and workspace.configuration),
            versioned_edits=bool(edit and edit.document_changes),
            work_done_progress=bool(window and window.work_done_progress),
            hover_markdown=bool(
                hover and types.MarkupKind.Markdown in (hover.content_format or ())
            ),
            status_messages=isinstance(experimental, dict)
            and experimental.get(STATUS_MESSAGES) is True,
            change_annotations=bool(edit and edit.change_annotation_support is not None),
        )
