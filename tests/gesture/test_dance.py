"""dance: full-body skeleton and BVH, moves on the beat, planted feet, joint limits, bad input.

The music is a synthetic click track at a known tempo with an accented click on each bar's
first beat, so beats and downbeats have known answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from gesture_signals import SR, assert_bvhio_reads_the_pose

from tools import Audio, BadInput, ToolContext, default_registry, file_sha256, get_spec
from tools._media import write_wav
from tools.gesture import dance
from tools.gesture.body import FULL_BODY
from tools.gesture.bvh import _depth_first, write_bvh
from tools.gesture.choreo import choreograph
from tools.gesture.metrics import beat_align, foot_sliding, motion_beats
from tools.gesture.moves import STYLES
from tools.gesture.rhythm import find_pulse, pulse_from_beats
from tools.gesture.skeleton import SKELETON

SPEC = get_spec(dance)
BPM = 120.0


def click_track(bpm: float, duration_s: float, first_s: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Clicks (decaying noise bursts with a 1 kHz tone) every beat, each bar's first twice as loud."""
    beats = np.arange(first_s, duration_s - 0.2, 60.0 / bpm)
    y = np.zeros(int(SR * duration_s))
    tt = np.arange(int(0.05 * SR)) / SR
    burst = np.exp(-tt / 0.01) * (
        np.sin(2 * np.pi * 1000 * tt) + 0.5 * np.random.default_rng(0).normal(size=len(tt))
    )
    for i, t in enumerate(beats):
        k = int(t * SR)
        y[k : k + len(tt)] += (0.6 if i % 4 == 0 else 0.3) * burst[: len(y) - k]
    return y, beats


@pytest.fixture(scope="module")
def clicks(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    y, beats = click_track(BPM, 24.0)
    path = tmp_path_factory.mktemp("dance") / "clicks.wav"
    write_wav(path, y, SR)
    return path, beats


@pytest.fixture(scope="module")
def click_pulse(clicks) -> tuple:
    path, beats = clicks
    pulse, duration_s = find_pulse(path, max_s=60)
    return pulse, duration_s, beats


def test_registered_with_its_contract() -> None:
    spec = default_registry(entry_points=False).get("dance")
    assert set(spec.outputs) == {"motion", "preview", "motion_json"}
    assert spec.params["style"].choices == tuple(STYLES)


def test_full_body_keeps_the_upper_skeleton_and_adds_legs() -> None:
    n = SKELETON.n_joints
    assert FULL_BODY.names[:n] == SKELETON.names
    np.testing.assert_array_equal(FULL_BODY.offsets[:n], SKELETON.offsets)
    np.testing.assert_array_equal(FULL_BODY.limits[1:n], SKELETON.limits[1:n])
    assert FULL_BODY.n_joints == n + 8 and "RightToeBase" in FULL_BODY.names
    # Straight legs and flat feet: the ball of each foot on the floor under a pelvis at 100 cm.
    rest = FULL_BODY.offsets[FULL_BODY.index("LeftUpLeg") :].reshape(2, 4, 3).sum(axis=1)
    np.testing.assert_allclose(rest[:, 1], -100.0)


def test_the_beat_is_found_with_its_downbeats(click_pulse) -> None:
    pulse, _, beats = click_pulse
    assert pulse.has_beat and not pulse.half_time
    assert pulse.tempo_bpm == pytest.approx(BPM, rel=0.02)  # librosa tempo tests allow 2 %
    # Each bar's loud click starts it; within a frame of the tracker's 11.6 ms hop, plus one.
    np.testing.assert_allclose(pulse.downbeats_s[:4], beats[0:16:4], atol=0.025)
    starts = pulse.counts_s[pulse.phrase_starts[1:4]]
    np.testing.assert_allclose(starts, beats[[8, 16, 24]] if starts[0] > 2 else beats[[0, 8, 16]], atol=0.025)


def test_moves_land_on_the_beat_better_than_a_random_phase(click_pulse) -> None:
    pulse, duration_s, beats = click_pulse
    rng = np.random.default_rng(0)
    for style in STYLES:
        clip = choreograph(pulse, duration_s, style).clip
        aligned = beat_align(motion_beats(clip, joints=None), beats, per="motion")
        baseline = []
        for _ in range(8):  # the same dance on the same grid at a random phase
            shifted = pulse_from_beats(beats + rng.uniform(0.1, 0.4), duration_s)
            moved = choreograph(shifted, duration_s, style).clip
            baseline.append(beat_align(motion_beats(moved, joints=None), beats, per="motion"))
        # σ = 0.1 s. Random phases score 0.25 to 0.45 here; hits on every beat would score 1,
        # but a bounce also rises to a stop between beats, which costs its style about 0.25.
        assert aligned > np.mean(baseline) + 0.2, (style, aligned, baseline)
        assert aligned > 0.7, (style, aligned)


@pytest.mark.parametrize("style", list(STYLES))
def test_planted_feet_stay_put_and_joints_stay_in_limits(click_pulse, style) -> None:
    pulse, duration_s, _ = click_pulse
    moves = choreograph(pulse, duration_s, style)
    assert moves.clipped == 0 and moves.clip.limit_violations() == 0
    # Weight-bearing feet are solved by IK onto a fixed point: only float error remains.
    # 0.01 cm (0.1 mm) a frame is far below the ~1 cm a frame at which skating shows.
    assert foot_sliding(moves.clip, planted=moves.planted).max() < 0.01
    # Independently of the labels: a ball of the foot within 0.5 cm of the floor barely
    # moves, because a swinging foot rises before it travels (its lift leads its stride).
    on_floor = foot_sliding(moves.clip, contact_cm=0.5)
    assert on_floor.max() < 0.3, on_floor.max()
    # And no foot sinks through the floor.
    feet = [FULL_BODY.index(n) for n in ("LeftToeBase", "RightToeBase")]
    assert moves.clip.positions()[:, feet, 1].min() > -1e-6


def test_feet_step_in_stepping_styles_and_stay_in_planted_ones(click_pulse) -> None:
    pulse, duration_s, _ = click_pulse
    assert not choreograph(pulse, duration_s, "groove").planted.all()
    assert choreograph(pulse, duration_s, "sway").planted.all()


def test_high_tempo_dances_half_time() -> None:
    beats = np.arange(0.3, 20.0, 60 / 170)
    pulse = pulse_from_beats(beats, 20.0)
    assert pulse.half_time
    np.testing.assert_allclose(np.diff(pulse.counts_s), 2 * 60 / 170, atol=1e-9)


def test_bvh_parses_with_the_full_skeleton(click_pulse, tmp_path) -> None:
    bvhio = pytest.importorskip("bvhio")
    pulse, _, _ = click_pulse
    clip = choreograph(pulse, 4.0, "party").clip
    path = write_bvh(clip, tmp_path / "dance.bvh")
    container = bvhio.readAsBvh(str(path))
    assert container.FrameCount == clip.n_frames == 120
    assert container.FrameTime == pytest.approx(1 / 30, abs=1e-7)
    order = [FULL_BODY.names[j] for j in _depth_first(FULL_BODY.parents)]
    assert [j.Name for j, _, _ in container.Root.layout()] == order
    assert_bvhio_reads_the_pose(path, clip, FULL_BODY.names, (0, 47, clip.n_frames - 1))


def test_music_without_a_beat_gives_a_slow_sway(tmp_path) -> None:
    t = np.arange(6 * SR) / SR
    pad = 0.3 * np.sin(2 * np.pi * 220 * t) * np.minimum(1, t / 2)  # a tone swelling in, no onsets
    write_wav(tmp_path / "pad.wav", pad, SR)
    for path in (tmp_path / "pad.wav", _silence(tmp_path)):
        pulse, duration_s = find_pulse(path, max_s=60)
        assert not pulse.has_beat and pulse.tempo_bpm == 0
        moves = choreograph(pulse, duration_s, "groove")
        assert moves.planted.all() and moves.clip.limit_violations() == 0
        assert {name for _, name in moves.figures} == {"sway swing"}


def _silence(tmp_path):
    write_wav(tmp_path / "silence.wav", np.zeros(3 * SR), SR)
    return tmp_path / "silence.wav"


def test_a_style_outside_the_choices_is_refused_with_the_choices(clicks) -> None:
    with pytest.raises(BadInput, match="'groove', 'sway', 'bounce', 'arms' or 'party'"):
        SPEC.invoke({"music": Audio(path=clicks[0]), "style": "tango"})
    with pytest.raises(BadInput, match="groove, sway, bounce, arms, party"):
        dance(Audio(path=clicks[0]), style="tango", ctx=ToolContext.temporary())  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_tool_writes_bvh_and_a_preview_with_the_music(clicks, tmp_path) -> None:
    path, _ = clicks
    before = file_sha256(path)
    result = SPEC.invoke({"music": Audio(path=path), "style": "party"}, ToolContext(output_dir=tmp_path))
    assert file_sha256(path) == before
    meta = result.motion.meta
    assert (
        meta["has_beat"]
        and meta["limit_violations"] == 0
        and meta["tempo_bpm"] == pytest.approx(BPM, rel=0.02)
    )
    assert result.motion.n_frames == 720  # 24 s at 30 fps
    assert result.preview.duration_s == pytest.approx(24.0, abs=1 / 30)
    assert result.motion_json.load()["joints"][-1]["name"] == "RightToeBase"
    assert result.preview.path.stat().st_size > 10_000


@pytest.mark.slow
def test_silence_is_danced_as_a_slow_sway_not_an_error(tmp_path) -> None:
    result = SPEC.invoke({"music": Audio(path=_silence(tmp_path))}, ToolContext(output_dir=tmp_path / "out"))
    assert result.motion.meta["has_beat"] is False and result.motion.n_frames == 90
