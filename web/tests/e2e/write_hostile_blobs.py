"""Writes a run whose image and audio samples are HTML pages that must never run as pages.

Used by the browser tests (`.ci/e2e.sh`): the copy of `tbx_basic` gets a run `hostile_blobs`
whose samples the dashboard serves from `data/blob`:

- audio `blob/html`: an HTML page with a `<script>`, with the content type `text/html` written
  in the event file (a `Summary.Audio`'s `content_type` is free text);
- audio `blob/svg`: an SVG image with a `<script>`, with the content type `image/svg+xml`;
- image `blob/image_html`: the same HTML page as the encoded bytes of a `Summary.Image`.

The event file is written with tensorboardX's protobufs and its event file writer (a real
TFRecord file), so the engine reads it like any user's log.

Each script, if it ever runs, marks it where the tests look: the page's title becomes `pwned`,
`localStorage["vizjobs-e2e-pwned"]` of the server's origin is set, `window.top.__pwned` is set,
and the console session's CSRF token (from `/console/session`) is written into the page.

Usage: python write_hostile_blobs.py LOGDIR
"""

import sys
import time

from tensorboardX.event_file_writer import EventFileWriter
from tensorboardX.proto import event_pb2, summary_pb2

RUN = "hostile_blobs"

SCRIPT = """
document.title = 'pwned';
try { localStorage.setItem('vizjobs-e2e-pwned', location.href); } catch (e) {}
try { window.top.__pwned = true; } catch (e) {}
fetch('/console/session', { credentials: 'include' })
  .then((r) => r.json())
  .then((s) => {
    const p = document.createElement('p');
    p.id = 'stolen';
    p.textContent = 'csrf_token=' + s.csrf_token;
    document.documentElement.append(p);
    try { localStorage.setItem('vizjobs-e2e-stolen', s.csrf_token); } catch (e) {}
  });
"""

HTML_PAGE = f"<!doctype html><html><head><title>blob</title></head><body><h1>blob</h1><script>{SCRIPT}</script></body></html>"

SVG_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    f"<script>{SCRIPT}</script>"
    '<rect width="10" height="10"/></svg>'
)


def audio(tag: str, content_type: str, body: str) -> summary_pb2.Summary.Value:
    return summary_pb2.Summary.Value(
        tag=tag,
        audio=summary_pb2.Summary.Audio(
            sample_rate=44100.0,
            num_channels=1,
            length_frames=1,
            encoded_audio_string=body.encode(),
            content_type=content_type,
        ),
    )


def image(tag: str, body: str) -> summary_pb2.Summary.Value:
    return summary_pb2.Summary.Value(
        tag=tag,
        image=summary_pb2.Summary.Image(height=1, width=1, colorspace=3, encoded_image_string=body.encode()),
    )


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    writer = EventFileWriter(f"{sys.argv[1]}/{RUN}")
    summary = summary_pb2.Summary(
        value=[
            audio("blob/html", "text/html", HTML_PAGE),
            audio("blob/svg", "image/svg+xml", SVG_IMAGE),
            image("blob/image_html", HTML_PAGE),
        ]
    )
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=0, summary=summary))
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
