"""Write test configs as YAML (ruamel.yaml, already a dependency)."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML


def dump(data: Any) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
