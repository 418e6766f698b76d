"""The local web service: the aiohttp app (websocket, HTTP API, dashboard), its
protocol, pairing and tokens, and a Python client of it."""
