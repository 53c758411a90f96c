"""``mockingbird generate``: standalone FastAPI mock projects on the runtime of ``mockingbird serve``.

Pure planning (``names``, ``endpoints``) apart from the I/O (``wheel``: the runtime's wheel,
``manifest``: writing without destroying edits); ``project.generate_project`` puts them together.
"""

from __future__ import annotations

from mockingbird.generate.project import GeneratedProject, GenerateOptions, generate_project

__all__ = ["GenerateOptions", "GeneratedProject", "generate_project"]
