"""The cache key: what makes two calls of a tool the same call."""

from __future__ import annotations

from agent import Cache
from tools import get_spec, tool


@tool
def plain(label: str) -> str:
    """Echo the label.

    Args:
        label: any text.
    """
    return label


def test_cache_key_follows_declared_environment(monkeypatch, tmp_path):
    @tool(env=("TROUPE_TEST_BACKEND",))
    def styled(label: str) -> str:
        """Echo the label.

        Args:
            label: any text.
        """
        return label

    cache, spec = Cache(tmp_path), get_spec(styled)
    monkeypatch.delenv("TROUPE_TEST_BACKEND", raising=False)
    unset = cache.key(spec, {"label": "x"})
    monkeypatch.setenv("TROUPE_TEST_BACKEND", "fast")
    fast = cache.key(spec, {"label": "x"})
    monkeypatch.setenv("TROUPE_TEST_BACKEND", "fine")
    assert len({unset, fast, cache.key(spec, {"label": "x"})}) == 3
    monkeypatch.setenv("TROUPE_TEST_BACKEND", "fast")
    assert cache.key(spec, {"label": "x"}) == fast
    assert get_spec(plain).env == ()  # a tool that declares nothing keeps one key


def test_backend_switching_tools_declare_their_variables():
    from tools.face import BACKEND_ENV, talking_face
    from tools.gesture.co_speech_gesture import CHECKPOINT_ENV, co_speech_gesture

    assert get_spec(talking_face).env == (BACKEND_ENV,)
    assert get_spec(co_speech_gesture).env == (CHECKPOINT_ENV,)
