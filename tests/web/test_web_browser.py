"""A real browser uses the app: upload a file, send a request, watch the plan and hear the result."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 1600})
        finally:
            browser.close()


def send(page, text: str, files: list[Path] = ()) -> None:
    box = page.locator("#troupe-input")
    if files:
        box.locator("input[type=file]").set_input_files([str(f) for f in files])
        # The upload has finished when every file shows as a thumbnail in the box.
        thumbnails = box.locator('[aria-label="File thumbnail"]')
        thumbnails.nth(len(files) - 1).wait_for(timeout=15_000)
    box.locator("textarea").fill(text)
    box.locator("textarea").press("Enter")


def test_upload_request_checklist_and_player(served, page, tone_wav, tmp_path):
    page.goto(served)
    send(page, "make this louder", [tone_wav])
    chat = page.locator("#troupe-chat")
    chat.get_by_text("Plan —").first.wait_for(timeout=30_000)
    chat.get_by_text("2 of 2 steps done").wait_for(timeout=30_000)
    assert "✓ up · louder — done in" in chat.inner_text()
    chat.locator("audio").first.wait_for(state="attached", timeout=15_000)
    chat.get_by_text("Done —").wait_for(timeout=15_000)
    assert page.locator("#troupe-download").is_enabled()
    page.screenshot(path=tmp_path / "chat.png", full_page=True)
    assert (tmp_path / "chat.png").stat().st_size > 10_000
    # A second request in the same chat keeps the first one's results on screen.
    again = tmp_path / "again.wav"  # a new name: a file input ignores re-choosing the same file
    shutil.copy(tone_wav, again)
    send(page, "make this louder again", [again])
    chat.get_by_text("Done —").nth(1).wait_for(timeout=30_000)
    assert chat.locator("audio").count() >= 2


def test_a_wrong_file_is_explained_in_the_chat(served, page, tmp_path):
    fake = tmp_path / "song.wav"
    fake.write_text("this is text, not sound")
    page.goto(served)
    send(page, "make this louder", [fake])
    page.locator("#troupe-chat").get_by_text("song.wav is named like audio but holds text").wait_for(
        timeout=30_000
    )
    page.screenshot(path=tmp_path / "wrong-file.png", full_page=True)


def test_an_oversize_upload_is_refused_with_the_limit(served, page, tone_wav, tmp_path):
    big = tmp_path / "big.wav"
    big.write_bytes(tone_wav.read_bytes() + b"\x00" * 1_100_000)  # over the 1 MB test limit
    page.goto(served)
    page.locator("#troupe-input input[type=file]").set_input_files(str(big))
    page.get_by_text("exceed the maximum allowed size").wait_for(timeout=15_000)
    assert page.locator('#troupe-input [aria-label="File thumbnail"]').count() == 0


@pytest.fixture(scope="module")
def review_app(tmp_path_factory: pytest.TempPathFactory):
    """The scripted app with a cache (a re-run takes unchanged steps from it) and a responder
    that suggests a next step."""
    from conftest import SuggestingResponder, make_agent, serving

    from agent import Cache
    from web import create_app

    root = tmp_path_factory.mktemp("review")
    agent = make_agent(
        root / "runs", cache=Cache(root / "cache"), responder=SuggestingResponder(["take a nap"])
    )
    with serving(create_app(agent, runs_dir=root / "runs", max_upload_mb=1)) as url:
        yield url


def peak_of_player(page, player) -> float:
    import base64
    import io

    import soundfile as sf

    # The player plays a blob: URL, so the page itself fetches what it plays. Gradio sets the
    # source in steps (the player appears before its final blob), so wait for a WAV.
    deadline = time.monotonic() + 15
    while True:
        data = base64.b64decode(
            page.evaluate(
                """async (src) => {
                    const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
                    let text = "";
                    for (const b of bytes) text += String.fromCharCode(b);
                    return btoa(text);
                }""",
                player.get_attribute("src"),
            )
        )
        if data[:4] == b"RIFF" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    y, _ = sf.read(io.BytesIO(data))
    return float(abs(y).max())


def test_review_edit_run_rerun_one_step_and_follow_a_suggestion(review_app, page, tone_wav, tmp_path):
    from playwright.sync_api import expect

    page.goto(review_app)
    page.get_by_label("Review the plan before running").check()
    send(page, "compare the levels", [tone_wav])
    chat, note, run = (
        page.locator("#troupe-chat"),
        page.locator("#troupe-plan-note"),
        page.locator("#troupe-run"),
    )
    chat.get_by_text("Here is the plan (3 steps)").wait_for(timeout=30_000)
    gain = page.locator("#troupe-arg-up-gain").get_by_role("textbox")
    expect(gain).to_have_value("2.0", timeout=15_000)
    expect(page.locator("#troupe-arg-level-audio input")).to_have_value("$up")
    assert "steps done" not in chat.inner_text()  # nothing ran yet
    # An invalid value: the one-line reason under the table, and Run disabled.
    gain.fill("loud")
    expect(note).to_contain_text("step 'up': argument 'gain' = 'loud': input should be a valid number")
    expect(run).to_be_disabled()
    gain.fill("1.5")
    expect(note).to_contain_text("up.gain = 1.5 — The plan passes its checks")
    expect(run).to_be_enabled()
    page.screenshot(path=tmp_path / "review.png", full_page=True)
    run.click()
    chat.get_by_text("3 of 3 steps done").wait_for(timeout=30_000)
    chat.get_by_text("Done —").wait_for(timeout=15_000)
    player = chat.locator("audio").nth(1)  # the first is the upload's
    player.wait_for(state="attached", timeout=15_000)
    # The tone's peak was 0.25; the edited gain 1.5 makes it 0.375 (16-bit rounding ≪ 1 %).
    assert abs(peak_of_player(page, player) - 0.375) < 0.005
    # Re-run one step with another argument: its dependent follows, the other step is cached.
    page.locator("#troupe-rerun-pick input").click()
    page.get_by_role("option", name="up", exact=True).click()
    page.locator("#troupe-review").get_by_text("change its arguments, then re-run it").wait_for(
        timeout=15_000
    )
    gain = page.locator("#troupe-arg-up-gain").get_by_role("textbox")
    expect(gain).to_have_value("1.5", timeout=15_000)
    # The re-run's table is drawn after the heading changes; an edit that lands in the box it
    # replaces is dropped, so edit until the server says it took it.
    for _ in range(5):
        page.locator("#troupe-arg-up-gain").get_by_role("textbox").fill("3")
        try:
            expect(note).to_contain_text("up.gain = 3 — The plan passes its checks", timeout=3_000)
            break
        except AssertionError:
            continue
    expect(note).to_contain_text("up.gain = 3 — The plan passes its checks")
    expect(run).to_have_text("Re-run up")
    expect(run).to_be_enabled()
    run.click()
    chat.get_by_text("↻ Re-run up with audio: @tone.wav, gain: 3").wait_for(timeout=15_000)
    chat.get_by_text("3 of 3 steps done").nth(1).wait_for(timeout=30_000)
    assert "♻ orig · loudness — from cache" in chat.inner_text()
    chat.get_by_text("Done —").nth(1).wait_for(timeout=15_000)
    expect(chat.locator("audio")).to_have_count(3, timeout=15_000)
    assert abs(peak_of_player(page, chat.locator("audio").nth(2)) - 0.75) < 0.005
    page.screenshot(path=tmp_path / "rerun.png", full_page=True)
    # The run's suggestion is a button that sends it as the next message.
    page.get_by_label("Review the plan before running").uncheck()
    page.get_by_role("button", name="take a nap").click()
    chat.get_by_text("1 of 1 steps done").wait_for(timeout=30_000)
