"""Takes a screenshot of OpenWebUI's page showing a chat that asked the bridge (demo mode, native MCP)
for ACME's open tickets, with Debian's headless Chromium. Rerun it with:

    tests/run-all.sh                      # once: builds the binaries and the venvs
    apt-get install chromium              # once
    .venv/bin/python tests/python/openwebui_screenshot.py [out.png]

The default output is tests/python/openwebui/chat.png, the picture in the README."""

import shutil
import subprocess
import sys
import tempfile

import httpx

from conftest import ROOT, running_bridge
from openwebui_harness import WAYS, ScriptedModel, chat, running_openwebui


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "tests" / "python" / "openwebui" / "chat.png")
    chromium = shutil.which("chromium") or sys.exit("chromium is missing: apt-get install chromium")
    with running_bridge() as bridge, ScriptedModel() as model, running_openwebui(bridge, model.url) as (url, headers):
        chat_id, _ = chat(url, headers, WAYS["mcp-streamable-http"])
        # The admin's first visit would open the release notes over the chat.
        httpx.post(f"{url}/api/v1/users/user/settings/update", headers=headers,
                   json={"ui": {"showChangelog": False}}, timeout=30).raise_for_status()
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1280,860",
                "--virtual-time-budget=20000", f"--screenshot={out}", f"{url}/c/{chat_id}",
            ], check=True, capture_output=True, timeout=120)
    print(out)


if __name__ == "__main__":
    main()
