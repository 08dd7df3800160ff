import pytest

from src.orchestration_examples import (
    SAMPLE_SOURCE,
    assistant_example,
    code_review_example,
    find_undocumented,
    parse_source,
)
from src.orchestrator import OrchestrationError, Orchestrator


def test_order_respects_dependencies_and_declaration():
    flow = Orchestrator()
    flow.add("c", lambda r: None, depends_on=("a", "b"))
    flow.add("a", lambda r: None)
    flow.add("b", lambda r: None, depends_on=("a",))
    flow.add("d", lambda r: None)
    assert flow.order() == ["a", "d", "b", "c"]


def test_cycle_and_unknown_dependency_are_rejected():
    cyclic = Orchestrator().add("a", lambda r: 1, ("b",)).add("b", lambda r: 2, ("a",))
    with pytest.raises(OrchestrationError, match="cycle"):
        cyclic.order()
    with pytest.raises(OrchestrationError, match="unknown"):
        Orchestrator().add("a", lambda r: 1, ("missing",)).order()
    with pytest.raises(OrchestrationError, match="twice"):
        Orchestrator().add("a", lambda r: 1).add("a", lambda r: 2)


def test_results_flow_to_dependents():
    flow = Orchestrator()
    flow.add("two", lambda r: 2)
    flow.add("three", lambda r: 3)
    flow.add("product", lambda r: r["two"] * r["three"], depends_on=("two", "three"))
    outcomes = flow.run()
    assert outcomes["product"].result == 6
    assert all(outcome.ok for outcome in outcomes.values())


def test_failure_blocks_dependents_when_not_stopping():
    flow = Orchestrator()
    flow.add("boom", lambda r: 1 / 0)
    flow.add("after", lambda r: "never", depends_on=("boom",))
    outcomes = flow.run(stop_on_error=False)
    assert outcomes["boom"].error.startswith("ZeroDivisionError")
    assert outcomes["after"].error == "blocked by boom"
    with pytest.raises(OrchestrationError, match="boom"):
        flow.run()


def test_find_undocumented():
    assert find_undocumented(parse_source(SAMPLE_SOURCE)) == ["Greeter", "divide", "greet"]


def test_code_review_example():
    report = code_review_example()["report"].result
    assert report == "3 functions; missing docstrings: Greeter, divide, greet"


def test_assistant_example_with_fake_model(echo_generate):
    outcomes = assistant_example(generate=echo_generate)
    assert outcomes["ask"].ok
    assert "Add docstrings" in echo_generate.calls[0][1]
