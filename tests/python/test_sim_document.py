"""The simulator against ConnectWise's own OpenAPI document, read by a third-party validator:
every GET path of the document is read over HTTP, with ids taken from the records the simulator
itself lists, and each answer is validated against the path's 200 response schema (types, enums,
nullability, formats) by openapi-schema-validator. What the simulator answers is what the
product and every test stand on, so what the document says, the simulator does."""

import json
import os
import re
import subprocess
import tempfile

import httpx
import pytest
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator

from conftest import DEMO_DATE, ROOT, binary

DOCUMENT = json.loads((ROOT / "crates" / "cw-catalog" / "api" / "connectwise-manage-2026.4-get.openapi.json").read_text())
AUTH = httpx.BasicAuth("demo+demo-public", "demo-private")
HEADERS = {"clientId": "6f0d0a4e-8c1b-4e1f-9d2a-1b2c3d4e5f60"}
# A template carrying a route constraint (`{memberIdentifier:regex(...)}`) is no path a client can write.
WRITABLE = [path for path in DOCUMENT["paths"] if ":" not in path]
# Where the document is wrong about ConnectWise, and the simulator answers as ConnectWise does:
# every other `/count` of the document answers a Count, and so does this one.
DOCUMENT_ERRORS = {"/sales/opportunities/{parentId}/notes/count": {"$ref": "#/components/schemas/Count"}}


def free_form(schema):
    """The document's schemas with a bare `{"type": "object"}` read as any value: that is how its
    generator writes a .NET `object` (a custom field's `value` is text, a number or a flag)."""
    if isinstance(schema, dict):
        if schema == {"type": "object"}:
            return {}
        return {key: free_form(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [free_form(item) for item in schema]
    return schema


COMPONENTS = free_form(DOCUMENT["components"])


@pytest.fixture(scope="module")
def sim():
    process = subprocess.Popen([binary("cw-sim"), "--port", "0", "--date", DEMO_DATE], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, cwd=tempfile.gettempdir(),
                               env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "ERROR"})
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        with httpx.Client(base_url=f"{url}/v4_6_release/apis/3.0", auth=AUTH, headers=HEADERS,
                          timeout=30) as client:
            yield client
    finally:
        process.terminate()
        process.wait(timeout=20)


def answer_schema(path):
    """The 200 answer's schema and media type, with the document's components beside it so that
    its `$ref`s resolve."""
    ok = DOCUMENT["paths"][path]["get"]["responses"]["200"]
    if "content" not in ok:
        # A file the document names only in words: "ContentType = application/octet-stream".
        return ok["description"].split("=")[-1].strip(), None
    media, body = next(iter(ok["content"].items()))
    return media.split(";")[0], {**DOCUMENT_ERRORS.get(path, body["schema"]), "components": COMPONENTS}


# Parameters whose records no list of the same path holds: where their ids come from.
ID_SOURCES = {"/company/contact/types": "/company/contacts/types", "/procurement/catalog/vendors": "/procurement/catalog",
              "/sales/opportunities/conversions": "/sales/opportunities", "/sales/orders/conversions": "/sales/orders",
              "/service/scheduling/members": "/service/scheduling/members/info"}


def records_of(client, collection, known):
    """The first records of `collection` (or of the list its ids come from), read once."""
    source = ID_SOURCES.get(collection, collection)
    if source not in known:
        answer = client.get(source, params={"pageSize": 25})
        body = answer.json() if answer.status_code == 200 else None
        known[source] = body if isinstance(body, list) else []
    return known[source]


def filled(client, template, known, original=None):
    """`template` with each `{...}` replaced by a value the simulator holds: the id (the identifier,
    for an identifier) of a record of the list the parameter names, one whose own child list holds
    records where a later parameter needs them. A parameter no list names (`{podId}`) takes 1."""
    parts, listed = template.split("/"), (original or template).split("/")
    names = [i for i, part in enumerate(parts) if part.startswith("{")]
    if not names:
        return template
    index = names[0]
    collection = "/".join(parts[:index])
    has_list = "/".join(listed[:index]) in DOCUMENT["paths"] or collection in ID_SOURCES
    candidates = records_of(client, collection, known) if has_list else [{"id": 1}]
    key = "identifier" if parts[index].lower().rstrip("}").endswith("identifier") else "id"
    for record in candidates:
        parts[index] = str(record.get(key, record.get("id")))
        rest = filled(client, "/".join(parts), known, original or template)
        later = len(names) > 1 and "/".join(listed[:names[1]]) in DOCUMENT["paths"]
        if rest is not None and (not later or records_of(client, "/".join(parts[:names[1]]), known)):
            return rest
    return None


def test_every_document_path_answers_as_the_document_says(sim):
    known, problems, read = {}, [], 0
    for template in WRITABLE:
        path = filled(sim, template, known)
        if path is None:
            problems.append(f"{template}: its parent list holds no record to read it by")
            continue
        listed = DOCUMENT["paths"][template]["get"]["responses"]["200"].get("content")
        whole = listed and '"array"' in json.dumps(next(iter(listed.values()))["schema"])[:40]
        answer = sim.get(path, params={"pageSize": 1000} if whole else None)
        read += 1
        if answer.status_code != 200:
            problems.append(f"{template} ({path}): HTTP {answer.status_code} {answer.text[:120]}")
            continue
        media, schema = answer_schema(template)
        if schema is None or media == "application/pdf":
            sent = answer.headers.get("content-type", "").split(";")[0]
            if sent != media or not answer.content or (media == "application/pdf" and
                                                       not answer.content.startswith(b"%PDF-")):
                problems.append(f"{template}: answered {sent} ({len(answer.content)} bytes), not {media}")
            continue
        validator = OAS30Validator(schema, format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(answer.json()), key=lambda e: list(e.absolute_path))
        for error in errors[:3]:
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{template}: {where}: {error.message[:160]}")
    assert not problems, f"{len(problems)} problems in {read} paths:\n" + "\n".join(problems)
    assert read == len(WRITABLE) == 323, (read, len(WRITABLE))
