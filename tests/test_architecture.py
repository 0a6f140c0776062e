"""docs/architecture.md states the order of the ``service/`` packages; the imports keep it.

The order is read from the document itself (the numbered list under "Layers of service/"), so
the page and the code cannot drift apart: a package imports only from layers below its own, never
from another package of its own layer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
LAYER_LINE = re.compile(r"^\s*(\d+)\.\s+(.+?)\s*(?:—.*)?$")


def documented_layers() -> dict[str, int]:
    """``{"listings": 1, "catalog": 2, …}`` from the doc's numbered list of package names."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Layers of service/", 1)[1].split("\n## ", 1)[0]
    layers: dict[str, int] = {}
    for line in section.splitlines():
        found = LAYER_LINE.match(line)
        if found:
            names = re.findall(r"`([a-z_]+)(?:/|\.py)`", found.group(2))
            for name in names:
                layers[name] = int(found.group(1))
    return layers


def service_imports() -> set[tuple[str, str]]:
    """(importing package, imported package) for every import between ``service/`` packages."""
    pairs = set()
    for path in (ROOT / "service").rglob("*.py"):
        parts = path.relative_to(ROOT / "service").with_suffix("").parts
        source = parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                bits = name.split(".")
                if bits[0] != "service" or len(bits) < 2 or bits[1] == source:
                    continue
                package = ROOT / "service" / bits[1]
                if package.exists() or package.with_suffix(".py").exists():
                    pairs.add((source, bits[1]))
    return pairs


def test_every_service_package_has_a_documented_layer() -> None:
    layers = documented_layers()
    present = {
        p.stem if p.is_file() else p.name
        for p in (ROOT / "service").iterdir()
        if (p / "__init__.py").exists() or (p.suffix == ".py" and p.stem != "__init__")
    }
    assert present - layers.keys() == set(), "packages missing from docs/architecture.md"
    assert layers.keys() - present == set(), "the doc names packages that do not exist"


def test_service_packages_import_only_downward() -> None:
    layers = documented_layers()
    upward = sorted(
        f"service.{a} (layer {layers[a]}) imports service.{b} (layer {layers[b]})"
        for a, b in service_imports()
        if layers[b] >= layers[a]
    )
    assert upward == []
