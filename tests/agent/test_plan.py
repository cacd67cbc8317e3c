"""Plans: references, serialisation round-trips and pipeline variables."""

from __future__ import annotations

import pytest

from agent import FileRef, Plan, PlanFormatError, StepRef
from agent._plan import parse_value

PLAN = {
    "steps": [
        {"id": "speak", "tool": "text_to_speech", "args": {"text": "Hello there", "style": "calm"}},
        {"id": "face", "tool": "talking_face", "args": {"image": "@portrait.png", "audio": "$speak"}},
        {"id": "mix", "tool": "audio_mix", "args": {"tracks": ["$speak", "$music.audio"], "gains": [0, -12]}},
        {"id": "music", "tool": "music_generate", "args": {"description": "soft piano"}, "timeout_s": 60},
    ],
    "reply": "Here you go",
}


def test_references_are_parsed():
    assert parse_value("$speak") == StepRef("speak")
    assert parse_value("$music.audio") == StepRef("music", "audio")
    assert parse_value("@portrait.png") == FileRef("portrait.png")
    assert parse_value(["$a", "plain", 3]) == [StepRef("a"), "plain", 3]
    assert parse_value("$$5 off") == "$5 off"  # a doubled sign escapes a literal
    assert parse_value("@@handle") == "@handle"


@pytest.mark.parametrize("bad", ["$", "$1step", "$a.b.c", "$a-b"])
def test_malformed_reference_is_an_error(bad):
    with pytest.raises(PlanFormatError, match="not a step reference"):
        parse_value(bad)


def test_dependencies_follow_references():
    plan = Plan.from_data(PLAN)
    assert plan.graph() == {"speak": set(), "face": {"speak"}, "mix": {"speak", "music"}, "music": set()}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip(fmt, tmp_path):
    plan = Plan.from_data(PLAN)
    text = plan.to_json() if fmt == "json" else plan.to_yaml()
    assert Plan.from_text(text) == plan
    path = plan.save(tmp_path / f"plan.{fmt}")
    assert Plan.load(path) == plan


def test_a_bare_list_of_steps_is_a_plan():
    assert Plan.from_data(PLAN["steps"]).steps == Plan.from_data(PLAN).steps


def test_variables_are_filled_with_types_kept():
    plan = Plan.from_data(
        {
            "steps": [
                {
                    "id": "m",
                    "tool": "music_generate",
                    "args": {"duration": "{{ secs }}", "description": "{{mood}} piano"},
                }
            ]
        }
    )
    assert plan.variables() == {"secs", "mood"}
    filled = plan.fill({"secs": 12, "mood": "soft"})
    assert filled.steps[0].args == {"duration": 12, "description": "soft piano"}


@pytest.mark.parametrize(
    ("template", "value", "filled", "parsed"),
    [
        ("{{x}}", "@/etc/passwd", "@@/etc/passwd", "@/etc/passwd"),
        ("{{x}}", "$speak", "$$speak", "$speak"),
        ("{{x}}", "@@x", "@@@x", "@@x"),  # an escape in the value is kept as it was typed
        ("{{x}} and more", "@/etc/passwd", "@@/etc/passwd and more", "@/etc/passwd and more"),
        ("{{x}}", ["@a.wav", {"k": "$s"}], ["@@a.wav", {"k": "$$s"}], ["@a.wav", {"k": "$s"}]),
        ("say {{x}}", "@home", "say @home", "say @home"),
        ("@{{x}}", "song.wav", "@song.wav", FileRef("song.wav")),  # the plan's own reference
    ],
)
def test_a_variable_is_always_filled_as_a_literal(template, value, filled, parsed):
    plan = Plan.from_data({"steps": [{"id": "m", "tool": "t", "args": {"a": template}}]})
    step = plan.fill({"x": value}).steps[0]
    assert step.args["a"] == filled
    assert step.parsed_args()["a"] == parsed and step.dependencies() == set()


def test_missing_and_unknown_variables_are_named():
    plan = Plan.from_data({"steps": [{"id": "m", "tool": "t", "args": {"x": "{{a}}"}}]})
    with pytest.raises(PlanFormatError, match=r"needs a value for a: --set a=\.\.\."):
        plan.fill({})
    with pytest.raises(PlanFormatError, match="no such variable"):
        plan.fill({"a": 1, "b": 2})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: [", "neither JSON nor YAML"),
        ("42", "a plan is a mapping"),
        ("steps: [{id: a}]", "steps.0.tool"),
        ("steps: [{id: 'has space', tool: t}]", "steps.0.id"),
        ("steps: [{id: a, tool: t, retries: -1}]", "steps.0.retries"),
        ("steps: [{id: a, tool: t, colour: red}]", "steps.0.colour"),
    ],
)
def test_malformed_plans_say_where(text, message):
    with pytest.raises(PlanFormatError, match=message):
        Plan.from_text(text, source="p.yaml")


def test_missing_plan_file(tmp_path):
    with pytest.raises(PlanFormatError, match="does not exist"):
        Plan.load(tmp_path / "nope.yaml")


def test_a_step_can_wait_for_one_whose_output_it_does_not_use():
    plan = Plan.from_data(
        {
            "steps": [
                {"id": "book", "tool": "nap"},
                {"id": "invite", "tool": "nap", "after": ["book"]},
                {"id": "say", "tool": "join", "args": {"parts": ["$book"]}},
            ]
        }
    )
    assert plan.graph() == {"book": set(), "invite": {"book"}, "say": {"book"}}
    assert plan.step("invite").inputs_from() == set()
    saved = plan.to_dict()["steps"]
    assert saved[1]["after"] == ["book"] and "after" not in saved[0]  # only where it says something
    assert Plan.from_text(plan.to_yaml()) == plan


def test_plan_graph_from_references():
    plan = Plan.from_data(
        {
            "steps": [
                {"id": "a", "tool": "nap"},
                {"id": "b", "tool": "join", "args": {"parts": ["$a", "x"]}},
                {"id": "c", "tool": "join", "args": {"parts": ["$a"]}},
                {"id": "d", "tool": "join", "args": {"parts": ["$b", "$c"]}},
            ]
        }
    )
    assert plan.graph() == {"a": set(), "b": {"a"}, "c": {"a"}, "d": {"b", "c"}}
