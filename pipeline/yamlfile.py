"""Reading the YAML files a run is given -- the config, the theme taxonomy, the stakeholders and
positions files, a corpus's ``metadata.yaml`` -- safely: :func:`load_yaml` is the one reader.

PyYAML's SafeLoader constructs no objects, but it expands aliases and composes nodes
recursively: ten lines of nested aliases (a "billion laughs") took 30 s and 3 GB before a
MemoryError, and 50,000 nested brackets ended in a RecursionError with a 2,992-line traceback.
:class:`BoundedLoader` refuses aliases and nesting deeper than :data:`MAX_YAML_DEPTH`; every
mistake is a one-line :class:`~pipeline.errors.ConfigError` naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError, shown

MAX_YAML_DEPTH = 100  # nesting levels of a YAML file; the deepest bundled config file uses 5


class _YamlRefused(yaml.MarkedYAMLError):
    """A YAML feature this loader refuses (an alias; nesting past MAX_YAML_DEPTH)."""


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without aliases and with bounded nesting.

    An alias (``*name``) is refused where it is used: ten lines of nested aliases expand to
    gigabytes (the "billion laughs"), and every config, taxonomy and actors file can be written
    without them.  Nesting deeper than :data:`MAX_YAML_DEPTH` is refused too: PyYAML composes
    nodes recursively, so 50,000 levels would end in a RecursionError.  Both raise a
    :class:`yaml.MarkedYAMLError` with the line and column of the offending node.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            problem = f"YAML alias *{shown(event.anchor, 30, quote=False)} is not allowed; write the value out"
            raise _YamlRefused(problem=problem, problem_mark=event.start_mark)
        if self._depth >= MAX_YAML_DEPTH:
            mark = self.peek_event().start_mark
            raise _YamlRefused(problem=f"nested deeper than {MAX_YAML_DEPTH} levels", problem_mark=mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A mapping whose keys are unique (YAML 1.2 requires it; PyYAML keeps the last silently, so a
        second ``threshold:`` overrode the first without a word)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is not None and key in seen:
                    problem = f"duplicate key {shown(key, 40)} (first on line {seen[key].line + 1})"
                    raise _YamlRefused(problem=problem, problem_mark=key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


def parse_yaml(text: str) -> Any:
    """``text`` parsed by :class:`BoundedLoader` (no aliases, nesting at most MAX_YAML_DEPTH);
    raises ``yaml.YAMLError``."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml(path: Path, what: str = "YAML file") -> Any:
    """Parse a YAML file with :func:`parse_yaml`; one-line ConfigError for missing, unreadable or
    malformed files, aliases and deep nesting (``file: line 3, column 9: ...``)."""
    if not path.exists():
        raise ConfigError(f"{path}: {what} not found")
    if path.is_dir():
        raise ConfigError(f"{path}: expected a {what}, found a folder")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: {what} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None
    try:
        return parse_yaml(text)
    except _YamlRefused as exc:
        mark = exc.problem_mark
        raise ConfigError(f"{path}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [""])[0]
        raise ConfigError(f"{path}: malformed YAML{where}: {shown(problem, 200, quote=False)}") from None
