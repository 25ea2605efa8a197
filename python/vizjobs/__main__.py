"""The ``vizjobs`` command (console script and ``python -m vizjobs``): the same CLI as the Rust
binary (``serve``, ``board``, ``job``, ``admin``), run in this process by the native module."""

import sys

from . import _native


def main() -> None:
    """Runs ``vizjobs`` with this process's arguments and exits with its status (130 after
    Ctrl-C, which ``serve`` and ``board`` take as a request to shut down gracefully)."""
    try:
        code = _native.run_cli(["vizjobs", *sys.argv[1:]])
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
