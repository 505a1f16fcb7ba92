"""The smoke test of the real-model evaluation (tests/model/ask.py): a real small model
(Qwen2.5-Coder-1.5B-Instruct on llama.cpp's llama-server, prepared by tests/model/prepare.sh)
answers two of the original README's questions through OpenWebUI's own chat loop, with the bridge
as a native MCP server and as the Python Tool, and each answer is judged against the simulator's
records. The whole set is a benchmark (docs/performance.md)."""

import datetime
import importlib.util

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("ask", ROOT / "tests" / "model" / "ask.py")
ask = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ask)

QUESTIONS = ["ticket-12345", "open-tickets-acme"]
# Whether the answer is right is tested here; how fast it comes is the benchmark's to measure,
# so a slower machine than the benchmark's gets more time.
ask.QUESTION_TIMEOUT = 600


@pytest.fixture(scope="module")
def stack():
    day = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    with ask.stack("compact", day) as running:
        yield running, day


@pytest.mark.parametrize("way", ["mcp", "tool"])
def test_the_real_model_answers_through_openwebui(stack, way):
    running, day = stack
    with ask.openwebui_for(running, way) as openwebui:
        for question_id in QUESTIONS:
            question = next(q for q in ask.load_questions() if q["id"] == question_id)
            truth = ask.truth_of(question, running.sim, day)
            row = ask.ask(running, way, question["question"], openwebui)
            assert row["tool_calls"] >= 1, row
            assert ask.judge(truth, row["answer"]), f"{way}: {question['question']!r} was answered {row['answer']!r}"
