"""Troupe's agent: plans, the executor, runs and the CLI.

``from agent import Agent`` is the entry point; the rest is for those who build plans by
hand, run them with their own executor, or consume the event stream.
"""

from ._agent import Agent, final_result, make_executor
from ._binding import BoundStep, ValidatedPlan, validate_plan
from ._cache import Cache
from ._context import Earlier, earlier_results
from ._conversation import Conversation, Turn
from ._executor import Executor
from ._files import UserFiles
from ._plan import FileRef, Plan, PlanFormatError, Step, StepRef
from ._result import RunResult, StepOutcome
from ._runner import Job, StepRunner, ThreadRunner
from ._store import RunRecord, RunStore, troupe_home
from .errors import PlanError, PlanIssue, PlanningError, RunCancelled
from .events import Event, EventKind
from .planners import Planner, get_planner
from .respond import LLMResponder, Responder, TemplateResponder

__all__ = [
    # running requests
    "Agent",
    "RunResult",
    "StepOutcome",
    "Event",
    "EventKind",
    "final_result",
    # conversations
    "Conversation",
    "Turn",
    "Earlier",
    "earlier_results",
    # plans
    "Plan",
    "Step",
    "StepRef",
    "FileRef",
    "UserFiles",
    "validate_plan",
    "ValidatedPlan",
    "BoundStep",
    # planning and replies
    "Planner",
    "get_planner",
    "Responder",
    "TemplateResponder",
    "LLMResponder",
    # execution
    "Executor",
    "make_executor",
    "StepRunner",
    "ThreadRunner",
    "Job",
    "Cache",
    "RunStore",
    "RunRecord",
    "troupe_home",
    # errors
    "PlanError",
    "PlanIssue",
    "PlanFormatError",
    "PlanningError",
    "RunCancelled",
]
