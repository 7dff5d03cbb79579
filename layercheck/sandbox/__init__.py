"""The sandbox: untrusted submissions run in a confined child process."""
