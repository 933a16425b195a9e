"""HTTP API over the library (optional extra: ``pip install -r requirements-api.txt``).

``python -m attribution serve`` starts it with uvicorn; :func:`attribution.api.server.create_app`
builds the FastAPI app. Modules:

* :mod:`~attribution.api.keys`: API keys (``ATTRIBUTION_API_KEYS`` or a file of hashed keys named
  by ``ATTRIBUTION_API_KEYS_FILE``), checked in constant time, never logged.
* :mod:`~attribution.api.limits`: the per-request limits and their ``serve`` options / ``ATTRIBUTION_API_MAX_*``
  variables.
* :mod:`~attribution.api.schemas` and :mod:`~attribution.api.mmm_schemas`: pydantic models of every
  request and response (the media-mix and budget ones take ``mmm.fit``'s defaults from its signature).
* :mod:`~attribution.api.service`: requests -> library calls -> responses (no HTTP in it).
* :mod:`~attribution.api.server`: the FastAPI app, its limits and error handlers.
* :mod:`~attribution.api.commands`: the ``serve`` and ``api-key`` CLI subcommands.

Only :mod:`keys`, :mod:`limits` and :mod:`commands` import without the extra installed.
"""
