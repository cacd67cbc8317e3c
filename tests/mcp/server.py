"""A small third-party MCP server for the client tests, written with the official SDK.

Run as ``python server.py NAME`` (stdio) or ``python server.py NAME http PORT`` (streamable
HTTP on 127.0.0.1). It knows nothing of Troupe except, on two tools, the two markers a Troupe
server emits (``x-troupe-kind`` on an artifact property, ``_meta["troupe/returns"]``).
"""

from __future__ import annotations

import base64
import io
import os
import sys
import wave
from pathlib import Path
from typing import Annotated, Literal

import anyio
import numpy as np
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Audio, Image
from mcp_types import AudioContent, BlobResourceContents, EmbeddedResource, ResourceLink, TextContent
from pydantic import Field

SR = 22050
server = MCPServer(sys.argv[1] if len(sys.argv) > 1 else "clicks")


def click_track(bpm: float, duration_s: float, sr: int = SR) -> bytes:
    """A mono 16-bit WAV with a 1 kHz click (20 ms, decaying) on every beat."""
    y = np.zeros(int(duration_s * sr), dtype=np.float32)
    n = int(0.02 * sr)
    click = np.sin(2 * np.pi * 1000 * np.arange(n) / sr) * np.exp(-np.arange(n) / (0.004 * sr))
    for start in (np.arange(0, duration_s, 60.0 / bpm) * sr).astype(int):
        end = min(len(y), start + n)
        y[start:end] += click[: end - start]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((np.clip(y, -1, 1) * 32767 * 0.8).astype("<i2").tobytes())
    return buffer.getvalue()


@server.tool()
async def make_click_track(
    bpm: Annotated[float, Field(description="tempo in beats per minute", gt=20, le=300)],
    duration_s: Annotated[float, Field(description="length in seconds")] = 4.0,
    pattern: Annotated[Literal["quarter", "eighth"], Field(description="which notes click")] = "quarter",
    ctx: Context = None,
) -> Audio:
    """Make a metronome click track as a WAV recording at a steady tempo in BPM."""
    await ctx.report_progress(1, 2, "rendering clicks")
    rate = bpm * (2 if pattern == "eighth" else 1)
    return Audio(data=click_track(rate, duration_s), format="wav")


@server.tool()
def word_count(text: Annotated[str, Field(description="the text whose words are counted")]) -> int:
    """Count the words in a text."""
    return len(text.split())


@server.tool(description="Measure the length of a recording in seconds.")
def recording_length(
    recording: Annotated[
        str, Field(description="the recording (a WAV file)", json_schema_extra={"x-troupe-kind": "Audio"})
    ],
) -> float:
    with wave.open(recording, "rb") as w:
        return w.getnframes() / w.getframerate()


@server.tool()
def music_analyze(text: str) -> str:
    """A tool whose name Troupe already uses."""
    return text


@server.tool()
def refuse(reason: Annotated[str, Field(description="what to complain about")]) -> str:
    """Always fail with the given reason."""
    raise ToolError(f"refused: {reason}")


@server.tool()
def crash(code: Annotated[int, Field(description="exit code")] = 3) -> str:
    """Die in the middle of the call, as a buggy server would."""
    print("boom: crashing on purpose", file=sys.stderr, flush=True)
    os._exit(code)


@server.tool()
async def wait_forever(marker: Annotated[str, Field(description="file written when cancelled")]) -> str:
    """Never answer; write the marker file when the request is cancelled."""
    try:
        await anyio.sleep(3600)
    finally:
        Path(marker).write_text("cancelled")
    return "done"


@server.tool(meta={"troupe/returns": "Image"})
def fake_portrait() -> Image:
    """Claim to paint a portrait but send text bytes."""
    return Image(data=b"this is not a picture at all", format="png")


@server.tool(meta={"troupe/returns": "Audio"})
def silent_promise() -> Audio:
    """Promise audio but send garbage that is not base64."""
    return AudioContent(data="%%% not base64 %%%", mime_type="audio/wav")


@server.tool()
def garble() -> str:
    """Write a line that is not JSON-RPC where the answer should go, then a proper answer."""
    os.write(1, b"this is not json\n")
    return "fine"


# A MIDI file with one empty track: enough for a content check.
TINY_MIDI = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"


@server.resource("clicks://tiny.mid", mime_type="audio/midi")
def tiny_midi() -> bytes:
    return TINY_MIDI


@server.tool(meta={"troupe/returns": "Midi"})
def link_score() -> ResourceLink:
    """Write a score and return a link to it."""
    return ResourceLink(name="tiny", uri="clicks://tiny.mid", mime_type="audio/midi")


@server.tool(meta={"troupe/returns": "Midi"})
def embed_score() -> list:
    """Write a score and return it embedded, with a note."""
    blob = base64.b64encode(TINY_MIDI).decode()
    return [
        TextContent(text="one empty track"),
        EmbeddedResource(
            resource=BlobResourceContents(uri="clicks://tiny.mid", blob=blob, mime_type="audio/midi")
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[2] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[3]))
    else:
        server.run()
