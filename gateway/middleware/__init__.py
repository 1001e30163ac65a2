"""Cross-cutting HTTP concerns as pure ASGI middleware, one per module; the stack and its
order are composed in `gateway/app.py`."""
