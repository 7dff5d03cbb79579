"""The conformance core: cases, the oracles, one case's evaluation, tolerance,
verdicts, the hypothesis runner and the pytest suite."""
