"""The HTTP service: FastAPI app, routes, dependencies and shared query batching."""
