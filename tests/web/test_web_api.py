"""The web package's public surface and its safe launch defaults."""

from __future__ import annotations

import pytest

import web


def test_exported_members():
    # A change here is a change to the public API: make it on purpose.
    assert sorted(web.__all__) == ["TroupeApp", "create_app", "launch"]


def test_the_app_launches_safely_by_default(agent, tmp_path, monkeypatch):
    app = web.create_app(agent, runs_dir=tmp_path / "runs", max_upload_mb=2.5)
    seen = {}
    monkeypatch.setattr(web.TroupeApp.__mro__[1], "launch", lambda self, **options: seen.update(options))
    app.launch(server_port=1234)
    assert seen["server_name"] == "127.0.0.1" and seen["share"] is False
    # Only the web sessions' folder of the run store is served, and uploads are capped.
    assert seen["allowed_paths"] == [str((tmp_path / "runs" / "web").resolve())]
    assert seen["max_file_size"] == 2_500_000
    assert seen["server_port"] == 1234
    assert "#troupe-chat video" in seen["css"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("max_upload_mb", 0, "max_upload_mb must be > 0"),
        ("max_concurrent_runs", 0, "max_concurrent_runs must be >= 1"),
    ],
)
def test_limits_are_checked(agent, tmp_path, option, value, message):
    with pytest.raises(ValueError, match=message):
        web.create_app(agent, runs_dir=tmp_path, **{option: value})


def test_the_api_lists_the_chat_endpoint(served):
    from gradio_client import Client

    endpoints = Client(served, verbose=False).view_api(print_info=False, return_format="dict")[
        "named_endpoints"
    ]
    assert {"/chat", "/stop", "/runs", "/new_chat"} <= set(endpoints)
    assert [p["parameter_name"] for p in endpoints["/chat"]["parameters"]] == ["message"]


def test_a_password_guards_the_app_when_one_is_set(agent, tmp_path):
    from conftest import free_port
    from gradio_client import Client

    port = free_port()
    app = web.launch(
        port=port, block=False, runs_dir=tmp_path / "runs", auth=[("ann", "s3cret")], registry=agent.registry
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for wrong in (None, ("ann", "guess")):
            with pytest.raises(Exception, match=r"(?i)login|credentials|auth|401|403"):
                Client(url, auth=wrong, verbose=False)
        client = Client(url, auth=("ann", "s3cret"), verbose=False)
        assert "/chat" in client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    finally:
        app.close()


@pytest.mark.parametrize("value", ["ann", "ann:", ":pw", "ann:pw,bob"])
def test_troupe_web_refuses_a_malformed_password_setting(value, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TROUPE_WEB_AUTH": value, "TROUPE_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "agent.cli", "web", "--no-builtins"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert (
        out.stderr.strip() == "troupe: error: TROUPE_WEB_AUTH wants user:password pairs separated by commas"
    )
