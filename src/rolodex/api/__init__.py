"""The HTTP API: FastAPI app, authentication, request parsing, errors and generated routers."""
