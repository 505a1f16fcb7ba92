"""Writes `.env.example` and the operators' settings table from the settings the binaries declare.

Each setting is declared once, in the binaries (clap's options, and the client's table that their
`--help` lists after them); this reads the real binaries' `--help` and writes both documents from
it, so that adding a setting touches its declaration and the code that reads it, and nothing else
by hand. `tests/python/test_settings.py` fails when either document differs from what this writes.

    python3 tests/python/settings_doc.py [--bin-dir target/debug] [--write]

Without --write it says which documents are stale and exits 1 if any is.
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
OPERATORS = ROOT / "docs" / "operators.md"
TABLE_START = "<!-- settings: written by tests/python/settings_doc.py from the binaries' --help -->"
TABLE_END = "<!-- end of settings -->"
# What only docker compose reads (the binaries never see it), declared here, where both documents
# are written: name, default, meaning.
COMPOSE_ONLY = [("BRIDGE_BIND", "127.0.0.1",
                 "Address docker compose publishes the bridge on; 0.0.0.0 opens it to other machines "
                 "(set BRIDGE_API_KEY too)"),
                ("BRIDGE_REPLICAS", "1",
                 "Bridge replicas ./setup.sh runs: 1 is docker-compose.yml; 2 to 10 run "
                 "docker/compose.replicas.yml, the replicas sharing one quota in Redis behind haproxy"),
                ("REDIS_PASSWORD", "",
                 "Password of the replicas' Redis in docker/compose.replicas.yml (a secret, like the keys); "
                 "./setup.sh start --replicas N makes a random one when it is empty")]
PROGRAMS = ["cw-mcp-server", "cw-bridge"]


def declared(path):
    """The settings `path --help` declares, each (name, default, meaning), in its order: the
    options with `env =`, and the ConnectWise client's table listed after them."""
    text = subprocess.run([path, "--help"], env={"PATH": os.environ.get("PATH", "")},
                          capture_output=True, text=True, check=True).stdout
    options, _, client = text.partition("ConnectWise settings (from the environment or .env):\n")
    own = []
    for block in re.split(r"\n(?= +-)", options):
        env = re.search(r"\[env: (\w+)=?\]", block)
        if env:
            default = re.search(r"\[default: ([^\]]*)\]", block)
            lines = (line.strip() for line in block.splitlines()[1:])
            meaning = " ".join(line for line in lines if line and not line.startswith("["))
            own.append((env.group(1), default.group(1).strip('"') if default else "", meaning))
    table = [(name, default, meaning[0].upper() + meaning[1:]) for name, meaning, default
             in re.findall(r"^  (\w+): (.*?)(?: \[default: ([^\]]*)\])?$", client, re.M)]
    return table + own


def all_settings(bin_dir):
    """Every setting of both binaries once, in the order .env.example gives them (the ConnectWise
    client's, the server's, the bridge's own), then what only compose reads. A setting both binaries
    declare must have one default there."""
    seen = {}
    for program in PROGRAMS:
        for name, default, meaning in declared(str(pathlib.Path(bin_dir) / program)):
            if name in seen and seen[name][0] != default:
                raise SystemExit(f"{name}: the two binaries' defaults differ ({seen[name][0]!r}, {default!r})")
            seen.setdefault(name, (default, meaning))
    return [(name, default, meaning) for name, (default, meaning) in seen.items()] + COMPOSE_ONLY


def sentence(meaning):
    """The meaning as a sentence: with its full stop."""
    return meaning if meaning.endswith(".") else meaning + "."


def env_example(settings):
    """The text of .env.example."""
    out = ["# Every setting of cw-mcp-server and cw-bridge, set to its default (empty: none). Copy this",
           "# file to .env (./setup.sh does) and change what you need.",
           "# Written by tests/python/settings_doc.py from the binaries' --help: change a setting where",
           "# the binary declares it, not here.", ""]
    for name, default, meaning in settings:
        out += textwrap.wrap(sentence(meaning), 98, initial_indent="# ", subsequent_indent="# ",
                             break_on_hyphens=False, break_long_words=False)
        out.append(f"{name}={default}")
    return "\n".join(out) + "\n"


def cell(text):
    """Text that stays in one cell of a Markdown table, its `<...>` shown rather than read as HTML
    (outside code spans, which show them as they are)."""
    parts = text.replace("|", "\\|").split("`")
    return "`".join(part if odd else part.replace("<", "&lt;").replace(">", "&gt;")
                    for part, odd in zip(parts, [i % 2 for i in range(len(parts))]))


def operators_table(settings):
    """The settings table of docs/operators.md, between its two markers."""
    rows = [TABLE_START, "| variable | meaning | default |", "|---|---|---|"]
    for name, default, meaning in settings:
        rows.append(f"| `{name}` | {cell(sentence(meaning))} | {f'`{cell(default)}`' if default else 'none'} |")
    return "\n".join(rows + [TABLE_END])


def operators_guide(settings):
    """docs/operators.md with its settings table written again."""
    text = OPERATORS.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    return text[:start] + operators_table(settings) + text[end:]


def documents(bin_dir):
    """{path: the text it should hold}."""
    settings = all_settings(bin_dir)
    return {ENV_EXAMPLE: env_example(settings), OPERATORS: operators_guide(settings)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", default=os.environ.get("CW_BIN_DIR", ROOT / "target" / "debug"),
                        help="where the built binaries are (default: $CW_BIN_DIR, else target/debug)")
    parser.add_argument("--write", action="store_true", help="write the documents instead of checking them")
    args = parser.parse_args()
    stale = [path for path, text in documents(args.bin_dir).items() if path.read_text() != text]
    for path in stale:
        if args.write:
            path.write_text(documents(args.bin_dir)[path])
        print(f"{'wrote' if args.write else 'stale:'} {path.relative_to(ROOT)}")
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
