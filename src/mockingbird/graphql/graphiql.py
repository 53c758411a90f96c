"""The GraphiQL page a browser gets on a GraphQL mock's endpoint. PURE.

GraphiQL 3.x with React 18 (their UMD builds) is vendored under ``http/static/graphiql``, served
under the reserved prefix like Swagger UI: the page needs no CDN and works offline.
"""

from __future__ import annotations

import json

from mockingbird.records import RESERVED_PREFIX

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GraphiQL - mockingbird</title>
  <link rel="stylesheet" href="{static}/graphiql.min.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src="{static}/react.production.min.js"></script>
  <script src="{static}/react-dom.production.min.js"></script>
  <script src="{static}/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: {endpoint} }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher: fetcher, defaultEditorToolbarTabs: "variables" }})
    );
  </script>
</body>
</html>
"""


def graphiql_page(endpoint: str) -> str:
    """The HTML of GraphiQL pointed at ``endpoint`` (the mock's GraphQL path)."""
    return _PAGE.format(static=f"{RESERVED_PREFIX}/static/graphiql", endpoint=json.dumps(endpoint))
