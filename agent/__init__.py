"""onbrand: keep a company's social posts original, specific and in its voice."""

__version__ = "0.1.0"
