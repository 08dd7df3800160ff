"""A small task orchestrator: run named steps in dependency order.

Each task is a callable that receives the results of the tasks it depends on. Independent tasks
keep their declaration order, which makes runs deterministic and easy to test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Step = Callable[[Mapping[str, Any]], Any]


class OrchestrationError(RuntimeError):
    """Raised for unknown dependencies, cycles, or a failing task."""


@dataclass
class Task:
    name: str
    step: Step
    depends_on: tuple[str, ...] = ()


@dataclass
class TaskOutcome:
    name: str
    ok: bool
    result: Any = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Orchestrator:
    tasks: dict[str, Task] = field(default_factory=dict)

    def add(self, name: str, step: Step, depends_on: tuple[str, ...] = ()) -> Orchestrator:
        if name in self.tasks:
            raise OrchestrationError(f"task {name!r} is defined twice")
        self.tasks[name] = Task(name, step, tuple(depends_on))
        return self

    def order(self) -> list[str]:
        """Topological order of the tasks (Kahn's algorithm, stable by declaration)."""
        for task in self.tasks.values():
            for dep in task.depends_on:
                if dep not in self.tasks:
                    raise OrchestrationError(f"task {task.name!r} depends on unknown {dep!r}")
        remaining = {name: set(task.depends_on) for name, task in self.tasks.items()}
        ordered: list[str] = []
        while remaining:
            ready = [name for name, deps in remaining.items() if not deps]
            if not ready:
                raise OrchestrationError("dependency cycle among: " + ", ".join(sorted(remaining)))
            for name in ready:
                ordered.append(name)
                del remaining[name]
            for deps in remaining.values():
                deps.difference_update(ready)
        return ordered

    def run(self, stop_on_error: bool = True) -> dict[str, TaskOutcome]:
        outcomes: dict[str, TaskOutcome] = {}
        results: dict[str, Any] = {}
        for name in self.order():
            task = self.tasks[name]
            failed = [dep for dep in task.depends_on if not outcomes[dep].ok]
            if failed:
                outcomes[name] = TaskOutcome(name, False, error="blocked by " + ", ".join(failed))
                continue
            start = time.monotonic()
            try:
                value = task.step({dep: results[dep] for dep in task.depends_on})
            except Exception as exc:  # a task's failure is reported, not raised
                error = f"{type(exc).__name__}: {exc}"
                elapsed = time.monotonic() - start
                outcomes[name] = TaskOutcome(name, False, error=error, seconds=elapsed)
                if stop_on_error:
                    raise OrchestrationError(f"task {name!r} failed: {exc}") from exc
                continue
            results[name] = value
            outcomes[name] = TaskOutcome(name, True, value, seconds=time.monotonic() - start)
        return outcomes
