"""The conformance suite, run on the bundled reference `impl` (the default target).

`layercheck check` runs this same test; options such as ``--lc-target`` and
``--lc-json`` and hypothesis profiles (``--hypothesis-profile=thorough``) apply here too.
"""

from layercheck.core.suite import test_conformance  # noqa: F401  (collected from here)
