"""The client capabilities Siyada cares about, flattened once at initialize."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types


@dataclass(frozen=True)
class ClientFlags:
    """The client capabilities Siyada cares about, flattened once at initialize."""

    configuration: bool = False
    versioned_edits: bool = False
    work_done_progress: bool = False
    # Edits with change annotations that need confirmation: VS Code previews them.
    change_annotations: bool = False

    @classmethod
    def of(cls, capabilities: types.ClientCapabilities) -> ClientFlags:
        workspace = capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        window = capabilities.window
        return cls(
            configuration=bool(workspace and workspace.configuration),
            versioned_edits=bool(edit and edit.document_changes),
            work_done_progress=bool(window and window.work_done_progress),
            change_annotations=bool(edit and edit.change_annotation_support is not None),
        )
