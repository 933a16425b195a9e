"""HTTP API over the library (optional extra: ``pip install -r requirements-api.txt``).

``python -m attribution serve`` starts it with uvicorn; :func:`attribution.api.server.create_app`
builds the FastAPI app. Modules:

* :mod:`~attribution.api.keys`: API keys (``ATTRIBUTION_API_KEYS`` or a file of hashed keys named
  by ``ATTRIBUTION_API_KEYS_FILE``), checked in constant time, never logged.
* :mod:`~attribution.api.schemas`: pydantic models of every request and response.
* :mod:`~attribution.api.service`: requests -> library calls -> responses (no HTTP in it).
* :mod:`~attribution.api.server`: the FastAPI app, its limits and error handlers.
* :mod:`~attribution.api.commands`: the ``serve`` and ``api-key`` CLI subcommands.

Only :mod:`keys` and :mod:`commands` import without the extra installed.
"""
