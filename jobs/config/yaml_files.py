"""Reading YAML configuration files into pydantic models, with errors that name file, key and line."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from jobs.errors import ConfigError

# pydantic prefixes the text of a ValueError raised by a validator; the key path says enough.
_VALUE_ERROR_PREFIX = "Value error, "


def read_config_bytes(path: Path, what: str) -> bytes:
    """The file's bytes, or a ConfigError naming it."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {what} {path}: {error.strerror}") from None


def decode_config(raw: bytes, path: Path, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {path} is not UTF-8 text") from None


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


def problem_at(message: str, *at: str | int) -> PydanticCustomError:
    """A validation problem `at` a key path below the validator's own field.

    For checks that need their neighbours (a column's source, a list's role): the validator
    sits where it sees them, and the error still names, and gives the line of, the one key.
    """
    return PydanticCustomError("config", message, {"at": at})


def yaml_where(text: str, location: tuple) -> tuple[str, int | None]:
    """The key path of `location` (keys and list indexes; an item of a list of names shown
    by its name) and the 1-based line of the deepest key or item found.

    >>> yaml_where("a:\\n  b: [x, y]\\n", ("a", "b", 1))
    ('a.b.y', 2)
    """
    node, line, steps = yaml.compose(text), None, []
    for step in location:
        found = None  # (the node that marks the line, the node to descend into)
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            item = node.value[step]
            found = (item, item)
            # A list of names (columns, datasets) reads better by name than by position.
            if isinstance(item, yaml.ScalarNode) and item.value:
                step = item.value
        steps.append(str(step))
        node = found[1] if found else None
        if found:
            line = found[0].start_mark.line + 1
    return ".".join(steps), line


def validate_yaml(text: str, path: Path, model, what: str):
    """Parse `text` (read from `path`) into a pydantic model; each problem named by key path
    and line: `<what> <path>: sources.cdr.mos.treatment (line 62): ...`."""
    try:
        return model.model_validate(parse_yaml(text, path, what))
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_input=False, include_url=False):
            location = tuple(problem["loc"]) + tuple(problem.get("ctx", {}).get("at", ()))
            key_path, line = yaml_where(text, location)
            where = key_path + (f" (line {line})" if line else "")
            message = problem["msg"].removeprefix(_VALUE_ERROR_PREFIX)
            problems.append(f"{where}: {message}" if where else message)
        raise ConfigError(f"{what} {path}: {'; '.join(problems)}") from None


def load_model(path: Path, model, what: str):
    """Read a YAML file into a pydantic model, reading its bytes once."""
    return validate_yaml(decode_config(read_config_bytes(path, what), path, what), path, model, what)
