"""Reading YAML configuration files into pydantic models, with errors that name file, key and line."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from jobs.errors import ConfigError


def read_config_bytes(path: Path, what: str) -> bytes:
    """The file's bytes, or a ConfigError naming it."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {what} {path}: {error.strerror}") from None


def load_yaml(path: Path, what: str) -> dict:
    """Read a YAML mapping, with a clear error naming the file and line on a typo."""
    return parse_yaml(read_config_bytes(path, what).decode("utf-8"), path, what)


def parse_yaml(text: str, path: Path, what: str) -> dict:
    """Parse a YAML mapping read from `path`; a typo is a ConfigError with the line."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{what} {path}{where} is not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must be a mapping at the top level")
    return data


def yaml_line(text: str, location: tuple) -> int | None:
    """The 1-based line of the YAML node at `location` (keys and list indexes), if found."""
    node = yaml.compose(text)
    line = None
    for step in location:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            match = node.value[step]
        else:
            match = None
        if match is None:
            break
        node, line = match, match.start_mark.line + 1
    return line


def load_model(path: Path, model, what: str):
    """Read a YAML file into a pydantic model; each problem named by key path and line."""
    try:
        return model.model_validate(load_yaml(path, what))
    except ValidationError as error:
        text = path.read_text(encoding="utf-8")
        problems = []
        for problem in error.errors(include_input=False):
            line = yaml_line(text, problem["loc"])
            where = ".".join(str(p) for p in problem["loc"]) + (f" (line {line})" if line else "")
            problems.append(f"{where}: {problem['msg']}")
        raise ConfigError(f"{what} {path}: {'; '.join(problems)}") from None
