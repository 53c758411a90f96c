"""Request checks against an operation: parameters and bodies (``validation``), security (``security``)."""
