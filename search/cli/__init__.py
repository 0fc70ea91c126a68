"""The `avatar-scholar` command line: one module per group of commands, listed in `main`."""
