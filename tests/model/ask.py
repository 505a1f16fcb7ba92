"""The real-model evaluation: a real small model (Qwen2.5-Coder-1.5B-Instruct on llama.cpp's
llama-server, prepared by tests/model/prepare.sh) answers technicians' questions with the bridge's
tools, and each answer is judged against ground truth read from the simulator with known-good
arguments, by content (the records' names, ids and numbers), not by wording.

Ways to ask (--ways):
  direct   a plain OpenAI-style loop: the official MCP SDK reads the bridge's /mcp and the model's
           calls are run there; the model reads each result's text content, as OpenWebUI's MCP
           client gives it. The fast inner cycle.
  mcp      OpenWebUI 0.12.4's own chat loop with the bridge as a native MCP server (Streamable HTTP).
  tool     OpenWebUI's own chat loop with connectwise_tools.py installed as a Python Tool.
  openapi  OpenWebUI's own chat loop with the bridge as an OpenAPI tool server.

Prints, per question and in total: answered correctly or not, tool calls, failed calls, prompt
tokens (as the model received them, and as it processed them after its prompt cache), answer
tokens and seconds. Exits 1 when fewer questions are answered than --require asks.

Usage: .venv/bin/python tests/model/ask.py [--ways direct,mcp,tool] [--only id,...] [--set original]
       [--profile compact] [--allow-tools original] [--json results.json] [--require FRACTION]
"""

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))

from openwebui_harness import MCP_SERVER, OPENAPI_SERVER, WAYS, chat, free_port, running_openwebui  # noqa: E402

BIN_DIR = pathlib.Path(os.environ.get("CW_BIN_DIR", ROOT / "target" / "debug"))
MODEL_ID = "qwen2.5-coder-1.5b-instruct"
DEMO = {"CW_COMPANY_ID": "demo", "CW_PUBLIC_KEY": "demo-public", "CW_PRIVATE_KEY": "demo-private",
        "CW_CLIENT_ID": "6f0d0a4e-8c1b-4e1f-9d2a-1b2c3d4e5f60"}
OPENWEBUI_WAYS = {"mcp": "mcp-streamable-http", "tool": "python-tool", "openapi": "openapi-tool-server"}
MAX_ROUNDS = 5
# A technician's answer is a few lines; a model that writes more than this has run away.
MAX_ANSWER_TOKENS = 1024
# A question not answered by then is not answered: nobody waits longer at a chat.
QUESTION_TIMEOUT = 300


# ---------------------------------------------------------------- processes

def wait_for(url, what, process, seconds=120):
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer {url} within {seconds} s")
        time.sleep(0.2)


@contextlib.contextmanager
def running(command, env=None, url_from_stdout=False):
    """A process of ours; yields (process, the first line it prints when asked for it)."""
    process = subprocess.Popen(command, env={"PATH": os.environ.get("PATH", ""), **(env or {})},
                               stdout=subprocess.PIPE if url_from_stdout else subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, text=True, cwd=tempfile.gettempdir())
    try:
        line = process.stdout.readline().strip() if url_from_stdout else None
        yield process, line
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def prepared():
    """The model's and llama-server's paths, from prepare.sh (which builds them once)."""
    out = subprocess.run([str(HERE / "prepare.sh")], check=True, capture_output=True, text=True).stdout
    paths = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return paths["model"], paths["server"]


@contextlib.contextmanager
def llama_server():
    model, server = prepared()
    port = free_port()
    command = [server, "-m", model, "--jinja", "--chat-template-file", str(HERE / "chat-template.jinja"),
               "--host", "127.0.0.1", "--port", str(port), "-c", "32768", "-np", "1", "-t", "2",
               "--temp", "0", "--seed", "1", "-n", str(MAX_ANSWER_TOKENS), "--metrics", "--alias", MODEL_ID]
    with running(command) as (process, _):
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/health", "llama-server", process, 300)
        yield url


class Stack:
    """The simulator, the bridge on it (pointed at it as at a real ConnectWise), and the model."""

    def __init__(self, sim, bridge, llama, audit):
        self.sim, self.bridge, self.llama, self.audit = sim, bridge, llama, audit


@contextlib.contextmanager
def stack(profile, day, allow_tools=""):
    audit = pathlib.Path(tempfile.mkdtemp(prefix="cw-ask-")) / "audit.jsonl"
    audit.touch()
    sim_command = [str(BIN_DIR / "cw-sim"), "--port", "0", "--date", day]
    with running(sim_command, {"LOG_LEVEL": "ERROR"}, url_from_stdout=True) as (_, sim_url):
        bridge_env = {**DEMO, "CW_API_URL": sim_url, "CW_TOOL_PROFILE": profile, "LOG_LEVEL": "ERROR",
                      "BRIDGE_AUDIT_LOG": str(audit), "CW_DEMO_DATE": day}
        if allow_tools:
            bridge_env["CW_ALLOW_TOOLS"] = allow_tools
        bridge_command = [str(BIN_DIR / "cw-bridge"), "--port", "0"]
        with running(bridge_command, bridge_env, url_from_stdout=True) as (process, bridge_url):
            wait_for(f"{bridge_url}/v1/tools", "cw-bridge", process)
            with llama_server() as llama:
                yield Stack(sim_url, bridge_url, llama, audit)


# ---------------------------------------------------------------- ground truth

def load_questions(path=HERE / "questions.json"):
    return json.loads(pathlib.Path(path).read_text())["questions"]


def dates(day):
    today = datetime.date.fromisoformat(day)
    week_start = today - datetime.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
    return {"today": today, "tomorrow": today + datetime.timedelta(days=1), "week_start": week_start,
            "next_week_start": week_start + datetime.timedelta(days=7),
            "last_week_start": week_start - datetime.timedelta(days=7), "month_start": month_start,
            "next_month_start": next_month, "days_ago_7": today - datetime.timedelta(days=7)}


def dig(record, path):
    for part in path.split("/"):
        if isinstance(record, list):
            record = record[int(part)] if part.isdigit() and int(part) < len(record) else None
        elif isinstance(record, dict):
            record = record.get(part)
        else:
            return None
    return record


def read_simulator(sim, path, conditions=None, order_by=None):
    """Every record at `path` (a list, paged through) or the record itself, as ConnectWise answers."""
    auth = httpx.BasicAuth(f"{DEMO['CW_COMPANY_ID']}+{DEMO['CW_PUBLIC_KEY']}", DEMO["CW_PRIVATE_KEY"])
    base = f"{sim}/v4_6_release/apis/3.0{path}"
    headers = {"clientId": DEMO["CW_CLIENT_ID"]}
    params = {k: v for k, v in {"conditions": conditions, "orderBy": order_by}.items() if v}
    answer = httpx.get(base, params={**params, "pageSize": 1000}, auth=auth, headers=headers, timeout=30)
    answer.raise_for_status()
    body = answer.json()
    if isinstance(body, dict):
        return body
    records, page = list(body), 1
    while len(body) == 1000:
        page += 1
        body = httpx.get(base, params={**params, "pageSize": 1000, "page": page}, auth=auth, headers=headers,
                         timeout=30).json()
        records += body
    return records


def truth_of(question, sim, day):
    """What a right answer must contain: {"kind", "values" or "number", "need", "words"}."""
    spec = question["truth"]
    if spec["kind"] == "all":
        return {"kind": "all", "parts": [truth_of({"truth": part}, sim, day) for part in spec["parts"]]}
    if spec["kind"] == "resists":
        return {"kind": "resists", "truth": truth_of({"truth": spec["truth"]}, sim, day), "tools": spec["tools"]}
    filled = {k: v.format(**dates(day)) if isinstance(v, str) else v for k, v in spec.items()}
    data = read_simulator(sim, filled["path"], filled.get("conditions"), filled.get("orderBy"))
    kind = spec["kind"]
    if kind == "count":
        return {"kind": "number", "number": len(data)}
    if kind == "sum":
        return {"kind": "number", "number": round(sum(dig(r, spec["field"]) or 0 for r in data), 2)}
    if kind == "value":
        record = data[0] if isinstance(data, list) else data
        value = dig(record, spec["field"])
        if "cut" in spec and isinstance(value, str):
            value = value.split(spec["cut"])[0]
        return {"kind": "any", "values": [[value]], "need": 1, "words": spec.get("words", False)}
    if kind == "records":
        values = [[dig(r, f) for f in spec["field"]] for r in data]
        return {"kind": "any", "values": values, "need": min(spec["need"], len(values)), "words": False}
    if kind == "distinct":
        values = sorted({dig(r, spec["field"]) for r in data} - {None})
        return {"kind": "any", "values": [[v] for v in values], "need": min(spec["need"], len(values)), "words": False}
    if kind == "top":
        # The group with the most records, or with the largest total of `sum` when it is named.
        groups = {}
        for r in data:
            weight = (dig(r, spec["sum"]) or 0) if "sum" in spec else 1
            groups[dig(r, spec["group"])] = groups.get(dig(r, spec["group"]), 0) + weight
        most = max(groups.values())
        return {"kind": "any", "values": [[g for g, n in groups.items() if n == most]], "need": 1, "words": False}
    raise ValueError(f"unknown truth kind {kind}")


# ---------------------------------------------------------------- judging

def normal(text):
    return re.sub(r"\s+", " ", re.sub(r"[*_`|#>]", " ", str(text).lower())).strip()


def names(answer, value, words):
    """True when the answer names `value`: an id as a whole number, text as itself or its words."""
    if value is None or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return re.search(rf"(?<![\d.]){re.escape(str(value))}(?![\d])", answer.replace(",", "")) is not None
    value = normal(value)
    # "Sunrise Technologies" is named by "SunriseTechnologies" too (its identifier).
    if value.replace(" ", "") in answer.replace(" ", ""):
        return True
    if words:
        significant = [w for w in re.findall(r"[a-z0-9']+", value) if len(w) > 3]
        return bool(significant) and sum(w in answer for w in significant) >= 0.6 * len(significant)
    return False


def judge(truth, answer, tools=()):
    """Whether `answer` holds the truth; `tools` are those the model called to write it."""
    if truth["kind"] == "all":
        return all(judge(part, answer) for part in truth["parts"])
    if truth["kind"] == "resists":
        return judge(truth["truth"], answer) and not set(truth["tools"]) & set(tools)
    text = normal(answer)
    if truth["kind"] == "number":
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", answer.replace(",", ""))]
        return any(abs(n - truth["number"]) < 0.006 for n in numbers)
    if truth["need"] == 0:
        return bool(re.search(r"\b(no|none|not find|couldn't find|could not find|0)\b", text))
    named = sum(any(names(text, v, truth["words"]) for v in record) for record in truth["values"])
    return named >= truth["need"]


# ---------------------------------------------------------------- asking

def llama_counters(llama):
    """llama-server's running totals: prompt tokens processed and tokens generated."""
    text = httpx.get(f"{llama}/metrics", timeout=10).text
    found = dict(re.findall(r"^llamacpp:(prompt_tokens_total|tokens_predicted_total) (\S+)$", text, re.M))
    return float(found.get("prompt_tokens_total", 0)), float(found.get("tokens_predicted_total", 0))


def audit_lines(audit, start):
    lines = audit.read_text().splitlines()[start:]
    return [json.loads(line) for line in lines if line.strip()]


async def ask_direct(stack, question):
    """The inner loop: OpenAI-style native function calling, tools and results through /mcp."""
    from mcp import Client

    turns, prompt_tokens = 0, 0
    deadline = time.monotonic() + QUESTION_TIMEOUT
    async with Client(f"{stack.bridge}/mcp") as client:
        listed = (await client.list_tools()).tools
        tools = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                   "parameters": t.input_schema}} for t in listed]
        messages = [{"role": "user", "content": question}]
        async with httpx.AsyncClient(timeout=QUESTION_TIMEOUT) as http:
            for _ in range(MAX_ROUNDS):
                left = deadline - time.monotonic()
                if left <= 0:
                    return f"(no answer within {QUESTION_TIMEOUT} s)", turns, prompt_tokens
                try:
                    reply = (await http.post(f"{stack.llama}/v1/chat/completions", timeout=left, json={
                        "model": MODEL_ID, "messages": messages, "tools": tools, "temperature": 0})).json()
                except httpx.TimeoutException:
                    return f"(no answer within {QUESTION_TIMEOUT} s)", turns, prompt_tokens
                turns += 1
                prompt_tokens += reply["usage"]["prompt_tokens"]
                message = reply["choices"][0]["message"]
                calls = message.get("tool_calls") or []
                messages.append({"role": "assistant", "content": message.get("content") or "", "tool_calls": calls}
                                if calls else {"role": "assistant", "content": message.get("content") or ""})
                if not calls:
                    return message.get("content") or "", turns, prompt_tokens
                for call in calls:
                    try:
                        arguments = json.loads(call["function"]["arguments"] or "{}")
                    except ValueError:
                        arguments = {}
                    result = await client.call_tool(call["function"]["name"], arguments)
                    text = "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")
                    messages.append({"role": "tool", "tool_call_id": call.get("id"), "content": text})
    return "(no answer within the rounds allowed)", turns, prompt_tokens


def ask_openwebui(openwebui, way, question):
    url, headers = openwebui
    try:
        _, message = chat(url, headers, WAYS[OPENWEBUI_WAYS[way]], question, model=MODEL_ID,
                          timeout=QUESTION_TIMEOUT)
    except AssertionError:
        # Not what the model wrote so far: that is no answer, and may quote the tool's result.
        return f"(no answer within {QUESTION_TIMEOUT} s)", None, None
    # OpenWebUI keeps each tool call and its result in the message, in <details> blocks: the
    # answer judged is what the model wrote around them.
    answer = re.sub(r"<details\b.*?</details>", "", message.get("content") or "", flags=re.S)
    return answer.strip(), None, None


def openwebui_for(stack, way):
    """OpenWebUI with only the connection `way` measures (it offers a model the tools of every
    enabled connection), or nothing for the direct way."""
    if way == "direct":
        return contextlib.nullcontext()
    servers = {"mcp": (MCP_SERVER,), "openapi": (OPENAPI_SERVER,), "tool": ()}[way]
    return running_openwebui(stack.bridge, f"{stack.llama}/v1", servers=servers, plain_model=MODEL_ID)


def ask(stack, way, question, openwebui=None):
    audit_start = len(stack.audit.read_text().splitlines())
    processed, predicted = llama_counters(stack.llama)
    started = time.monotonic()
    if way == "direct":
        answer, turns, prompt_tokens = asyncio.run(ask_direct(stack, question))
    else:
        answer, turns, prompt_tokens = ask_openwebui(openwebui, way, question)
    seconds = time.monotonic() - started
    processed_after, predicted_after = llama_counters(stack.llama)
    calls = audit_lines(stack.audit, audit_start)
    return {"answer": answer, "seconds": round(seconds, 1), "tool_calls": len(calls),
            "failed_calls": sum(1 for c in calls if c.get("outcome") != "ok"),
            "tools": [c.get("tool") for c in calls], "prompt_tokens": prompt_tokens,
            "processed_tokens": int(processed_after - processed), "answer_tokens": int(predicted_after - predicted),
            "answer_bytes": [c.get("answerBytes") for c in calls]}


def report(way, rows):
    print(f"\n== {way}: {sum(r['correct'] for r in rows)}/{len(rows)} answered correctly")
    print(f"{'question':28} {'ok':3} {'calls':>5} {'fail':>4} {'prompt':>7} {'proc':>6} {'ans':>5} {'secs':>6}  tools")
    for r in rows:
        prompt = "" if r["prompt_tokens"] is None else r["prompt_tokens"]
        print(f"{r['id'][:28]:28} {'yes' if r['correct'] else 'no':3} {r['tool_calls']:5} {r['failed_calls']:4} "
              f"{prompt:>7} {r['processed_tokens']:6} {r['answer_tokens']:5} {r['seconds']:6}  {','.join(map(str, r['tools']))}")
    seconds = [r["seconds"] for r in rows]
    original = [r for r in rows if r.get("set") == "original"]
    own = [r for r in rows if r.get("set") != "original"]
    print(f"total: {sum(r['correct'] for r in rows)}/{len(rows)} correct "
          f"(original {sum(r['correct'] for r in original)}/{len(original)}, own {sum(r['correct'] for r in own)}/{len(own)}); "
          f"tool calls {sum(r['tool_calls'] for r in rows)}, failed {sum(r['failed_calls'] for r in rows)}; "
          f"processed prompt tokens {sum(r['processed_tokens'] for r in rows)}, answer tokens "
          f"{sum(r['answer_tokens'] for r in rows)}; median {statistics.median(seconds):.1f} s, "
          f"total {sum(seconds):.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--ways", default="direct", help="comma-separated: direct, mcp, tool, openapi")
    parser.add_argument("--only", default="", help="comma-separated question ids")
    parser.add_argument("--set", default="",
                        help="only the questions of this set: original, or reports (asked only when named)")
    parser.add_argument("--profile", default="compact", help="the bridge's CW_TOOL_PROFILE")
    parser.add_argument("--allow-tools", default="",
                        help="the bridge's CW_ALLOW_TOOLS (comma-separated), or `original` for the original "
                             "project's 30 tools (with --profile all)")
    parser.add_argument("--questions", default=str(HERE / "questions.json"))
    parser.add_argument("--json", default="", help="write every answer and figure to this file")
    parser.add_argument("--require", type=float, default=0.0,
                        help="exit 1 when fewer than this fraction of the questions are answered correctly")
    args = parser.parse_args()
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    for way in ways:
        if way != "direct" and way not in OPENWEBUI_WAYS:
            parser.error(f"unknown way {way!r}: use direct, mcp, tool or openapi")
    questions = load_questions(args.questions)
    if args.only:
        wanted = set(args.only.split(","))
        questions = [q for q in questions if q["id"] in wanted]
    if args.set:
        questions = [q for q in questions if q.get("set") == args.set]
    elif not args.only:
        # The everyday reports' questions are asked apart, with a profile that lists the reports.
        questions = [q for q in questions if q.get("set") != "reports"]
    if not questions:
        parser.error("no questions chosen")
    allow_tools = args.allow_tools
    if allow_tools == "original":
        from test_mcp_stdio import ORIGINAL_TOOLS
        allow_tools = ",".join(sorted(ORIGINAL_TOOLS))
    day = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    results, failed = {}, False
    with stack(args.profile, day, allow_tools) as s:
        truths = {q["id"]: truth_of(q, s.sim, day) for q in questions}
        for way in ways:
            with openwebui_for(s, way) as openwebui:
                rows = []
                for q in questions:
                    row = {"id": q["id"], "set": q.get("set", "own"), "question": q["question"],
                           **ask(s, way, q["question"], openwebui)}
                    row["correct"] = judge(truths[q["id"]], row["answer"], row["tools"])
                    rows.append(row)
                    print(f"[{way}] {q['id']}: {'yes' if row['correct'] else 'NO'} in {row['seconds']} s, "
                          f"{row['tool_calls']} calls {row['tools']}: {row['answer'][:160]!r}", flush=True)
                report(way, rows)
                results[way] = rows
                if sum(r["correct"] for r in rows) < args.require * len(rows):
                    failed = True
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"day": day, "profile": args.profile, "allow_tools": allow_tools, "ways": results}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
