pytest_plugins = ["layercheck.core.plugin"]
