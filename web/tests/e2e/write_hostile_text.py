"""Writes a run whose text summary carries HTML that must stay inert in the dashboard.

Used by the browser tests (`.ci/e2e.sh`): the copy of `tbx_basic` gets a run `hostile` with a
markdown text summary `notes/hostile` containing a `<script>` element and an `<img onerror>`
attribute, written by tensorboardX (a real writer) so the engine reads it like any user's log.

Usage: python write_hostile_text.py LOGDIR
"""

import sys

from tensorboardX import SummaryWriter

# Each payload would set window.__pwned if the dashboard let it run.
HOSTILE_TEXT = (
    "**bold** before the payloads\n\n"
    "<script>window.__pwned = true</script>\n\n"
    '<img src="x" onerror="window.__pwned = true">\n\n'
    "after the payloads"
)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    writer = SummaryWriter(logdir=f"{sys.argv[1]}/hostile")
    writer.add_text("notes/hostile", HOSTILE_TEXT, global_step=0)
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
