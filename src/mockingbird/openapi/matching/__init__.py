"""Request matching: routing to an operation, media types, content negotiation and ``Prefer``."""
