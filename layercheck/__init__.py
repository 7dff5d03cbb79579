"""layercheck: conformance of NumPy layer implementations against PyTorch autograd oracles."""


def __getattr__(name: str) -> str:
    """``__version__``, looked up on first use: importlib.metadata costs every sandboxed
    child 0.1 s that it never needs."""
    if name != "__version__":
        raise AttributeError(f"module 'layercheck' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("layercheck")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
