"""The library's version, recorded in every assessment it writes.

Its own module, below everything, so that any module can read it without importing
the package's public API.  pyproject.toml gives the same version (a test checks).
"""

__version__ = "0.1.0"
