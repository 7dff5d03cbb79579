pytest_plugins = ["layercheck.plugin"]
