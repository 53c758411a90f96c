"""Response data: the spec's examples (``examples``) and data generated from schemas (``generator``)."""
