"""Print the config.yaml reference table for the README, from the schema itself.

Usage: python scripts/config_reference.py   (paste the output under "Configuration")
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import PydanticUndefined

from digest.config import Config


def rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    out = []
    for name, field in model.model_fields.items():
        if name == "path":
            continue
        key = prefix + (field.alias or name)
        nested = _nested(field.annotation)
        default = field.default
        if field.default_factory is not None or nested:
            shown = "" if nested else "see below"
        elif default is PydanticUndefined:
            shown = "required"
        else:
            shown = _show(default)
        out.append((key, shown, field.description or ""))
        if nested:
            out += rows(nested, key + ".")
    return out


def _nested(annotation: Any) -> type[BaseModel] | None:
    for candidate in (*getattr(annotation, "__args__", ()), annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) < 40 else "(see config.yaml)"


def main() -> None:
    print("| key | default | meaning |")
    print("|---|---|---|")
    for key, default, meaning in rows(Config):
        shown = f"`{default}`" if default and default not in ("required",) else default
        print(f"| `{key}` | {shown} | {meaning} |")


if __name__ == "__main__":
    main()
