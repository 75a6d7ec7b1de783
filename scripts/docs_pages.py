"""Pages of the documentation site made from the code (run by mkdocs-gen-files):
``configuration.md`` from the config schema, ``cli.md`` from the argument parser. They are
never written by hand, so they cannot drift from what digest does."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import mkdocs_gen_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.cli import build_parser
from digest.config import Config


def rows(model: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, description) for every key of *model*, nested keys after theirs."""
    from pydantic import BaseModel

    out = []
    for name, field in model.model_fields.items():
        if name == "path":
            continue
        key = prefix + (field.alias or name)
        if field.is_required():
            default = "required"
        elif field.default_factory is not None:
            default = ""
        else:
            value = field.default
            shown = json.dumps(value if not isinstance(value, Path) else str(value), default=str)
            default = f"`{shown}`"
        out.append((key, default, field.description or ""))
        annotation = field.annotation
        for candidate in (*getattr(annotation, "__args__", ()), annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out += rows(candidate, key + ".")
                break
    return out


def configuration() -> str:
    lines = [
        "# Configuration",
        "",
        "`config.yaml`, found as `digest --help` says. Durations take `30s`, `10m`, `6h`, `2d`"
        " or seconds. Every key, from the schema digest validates against:",
        "",
        "| key | default | what it is |",
        "|---|---|---|",
    ]
    for key, default, description in rows(Config):
        lines.append(f"| `{key}` | {default} | {description.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def cli() -> str:
    parser = build_parser()
    lines = ["# Command line", "", "```text", parser.format_help().rstrip(), "```", ""]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        lines += [f"## digest {name}", "", "```text", command.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


with mkdocs_gen_files.open("configuration.md", "w") as page:
    page.write(configuration())
with mkdocs_gen_files.open("cli.md", "w") as page:
    page.write(cli())
