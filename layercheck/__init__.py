"""layercheck: conformance of NumPy layer implementations against PyTorch autograd oracles."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("layercheck")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
