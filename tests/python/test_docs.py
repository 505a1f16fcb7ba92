"""The documents against what the real `cw-mcp-server` lists: the profiles' tool counts in
docs/tools.md, every tool name the documents mention, and the reports' table."""

import os
import pathlib
import re
import tempfile

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOOLS_DOC = ROOT / "docs" / "tools.md"


async def listed(profile):
    params = StdioServerParameters(
        command=binary("cw-mcp-server"), args=["--demo"], cwd=tempfile.gettempdir(),
        env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "WARNING", "CW_TOOL_PROFILE": profile})
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return [tool.name for tool in (await session.list_tools()).tools]


def table_rows(text, first_header):
    """The rows of the Markdown table whose first header cell is `first_header`, as cell lists."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.mark.anyio
async def test_the_profile_table_counts_what_each_profile_lists():
    rows = table_rows(TOOLS_DOC.read_text(), "profile")
    assert len(rows) >= 10, rows
    for cells in rows:
        profile = re.match(r"`(\w+)`", cells[0]).group(1)
        assert int(cells[1]) == len(await listed(profile)), f"docs/tools.md says {cells[1]} tools for {profile}"


@pytest.mark.anyio
async def test_every_tool_a_document_names_exists_and_the_reports_table_is_whole():
    every = set(await listed("all"))
    for document in DOCUMENTS:
        named = set(re.findall(r"`(connectwise_[a-z_]+)`", document.read_text()))
        assert named <= every, f"{document.name} names tools that do not exist: {sorted(named - every)}"
    reports = {re.match(r"`(\w+)`", cells[0]).group(1) for cells in table_rows(TOOLS_DOC.read_text(), "tool")}
    # The reports profile lists the reports beside the generic tools every module profile has.
    generic = set(await listed("system")) & set(await listed("sales"))
    assert reports == set(await listed("reports")) - generic - {"connectwise_get_system_info"}, reports
