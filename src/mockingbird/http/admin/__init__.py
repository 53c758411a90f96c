"""The admin API (``/admin/api/...``) and the admin page at ``/admin`` (``ui.py``).

``build_admin_app(store, info=..., token=..., routes_provider=...)`` returns an ASGI
app that expects full paths (``/admin/api/logs/search``): the runtime forwards
every request under ``/admin`` to it unchanged.
"""
