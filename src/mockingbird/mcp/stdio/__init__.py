"""``mockingbird stdio``: a stdio proxy that mocks MCP servers from Dev Proxy mocks files.

Modules, pure ones first: ``framing`` (lines from byte chunks), ``mocks`` (the
mocks and config files), ``templates`` (responses with ``@stdin.body.*``
placeholders), ``matching`` (which mock answers a message), ``traffic`` (request/response pairing, log records),
``session`` (the proxy's decisions per message), ``record`` (``--record``),
then the I/O: ``reload`` (watching the mocks file), ``pipes`` (the pipe ends) and
``proxy`` (the relay).
"""

from mockingbird.mcp.stdio.mocks import load_mocks_file
from mockingbird.mcp.stdio.proxy import ProxyOptions, run_proxy

__all__ = ["ProxyOptions", "load_mocks_file", "run_proxy"]
