"""Log queries and analysis. PURE: works on ``LogRecord`` values; no SQL, no I/O.

The store does the filtering (in SQL); ``analyze`` turns the matching records into
numbers and plain-language insights; ``har`` turns them into a HAR 1.2 log.
"""
