"""Local fake vendors (Pipedrive) and a fake Brevo, served as ASGI apps on loopback.

`sandbox.server.start_sandbox()` runs them in background threads for tests and benchmarks;
`python -m sandbox` (or `tajo sandbox serve`) runs them in the foreground for `tajo demo`.
"""
