"""The public surface is a decision: changing it must change this file too."""

from __future__ import annotations

import subprocess
import sys

import agent
import tools


def test_tools_exports():
    assert sorted(tools.__all__) == sorted(
        ["tool", "ToolSpec", "Param", "ToolContext", "ProgressCallback", "Limits", "LocalPath", "get_spec",
         "Artifact", "Audio", "Image", "Video", "Midi", "Motion", "Text", "Json", "ARTIFACT_TYPES",
         "artifact_from_file", "iter_artifacts", "map_artifacts", "sniff_kind", "to_plain",
         "Registry", "default_registry", "ENTRY_POINT_GROUP",
         "accepts", "type_name", "atomic_write_bytes", "atomic_write_text", "file_sha256",
         "clean_text",
         "TroupeError", "ToolDefinitionError", "UnknownToolError", "ToolError", "ToolRetry", "BadInput",
         "Cancelled"]
    )  # fmt: skip


def test_agent_exports():
    assert sorted(agent.__all__) == sorted(
        ["Agent", "RunResult", "StepOutcome", "Event", "EventKind", "final_result",
         "Conversation", "Turn", "Earlier", "earlier_results",
         "Plan", "Step", "StepRef", "FileRef", "UserFiles", "validate_plan", "ValidatedPlan", "BoundStep",
         "Planner", "get_planner", "Responder", "TemplateResponder", "LLMResponder",
         "Executor", "make_executor", "StepRunner", "ThreadRunner", "Job", "Cache", "RunStore", "RunRecord",
         "troupe_home", "PlanError", "PlanIssue", "PlanFormatError", "PlanningError", "RunCancelled"]
    )  # fmt: skip


def test_every_export_exists():
    for module in (agent, tools):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_importing_agent_and_tools_stays_light():
    # A fresh interpreter, so modules imported by other tests do not count.
    heavy = ["torch", "onnxruntime", "dlib", "gradio", "ray", "librosa", "cv2", "sentence_transformers"]
    code = (
        "import sys, agent, tools, agent.cli; tools.default_registry(); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
