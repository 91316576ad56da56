"""renkei (連携): conformance harness and mock ecosystem for Japan's school data standards."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("renkei")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
