#!/usr/bin/env python3
"""The layers test: every #include "…" of a project folder points down the layers
core/README.md draws, never up or sideways.

Usage: check_layers.py SOURCE_DIR
Prints each include that breaks a rule (file:line: folder may not include folder) and exits 1;
exits 0 with a one-line count when every include keeps to the layers.
"""
import pathlib
import re
import sys

# Which folders each folder may include (its own always). Keep in step with core/README.md.
ALLOWED = {
    "core/util": set(),
    "core/net": {"core/util"},
    "core/tls": {"core/util"},
    "core/http": {"core/util", "core/net"},
    "core/manifest": {"core/util"},
    "core/capture": {"core/util", "core/net", "core/tls", "core/manifest"},
    "core/config": {"core/util", "core/net", "core/tls", "core/manifest", "core/capture"},
    "core/observe": {"core/util", "core/net", "core/tls", "core/http", "core/manifest",
                     "core/capture"},
    "core/remote": {"core/util", "core/net", "core/tls", "core/http", "core/manifest",
                    "core/capture", "core/observe"},
    "ui": {"core/util", "core/net", "core/tls", "core/manifest", "core/capture",
           "core/config", "core/observe", "core/remote"},
    "app": {"core/util", "core/net", "core/tls", "core/http", "core/manifest", "core/capture",
            "core/config", "core/observe", "core/remote", "ui"},
    "replay": {"core/util", "core/net"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path: str):
    """The layer a project path belongs to (ui/models/x.h is in ui), or None."""
    parts = path.split("/")
    if parts[0] == "core" and len(parts) > 2:
        return "core/" + parts[1]
    if parts[0] in ("ui", "app", "replay") and len(parts) > 1:
        return parts[0]
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    problems = []
    checked = 0
    for layer in ALLOWED:
        for file in sorted((root / layer).rglob("*")):
            if file.suffix not in (".h", ".cpp"):
                continue
            rel = file.relative_to(root).as_posix()
            own = folder_of(rel)
            if own != layer:
                continue  # a sub-folder's file is checked with its own layer
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                checked += 1
                target = folder_of(match.group(1))
                if target is None:
                    if "/" not in match.group(1) and not match.group(1).endswith(".moc"):
                        problems.append(f"{rel}:{number}: include \"{match.group(1)}\" by its "
                                        "path from the project root")
                    continue
                if target != own and target not in ALLOWED[own]:
                    problems.append(f"{rel}:{number}: {own}/ may not include {target}/ "
                                    f"(\"{match.group(1)}\")")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_layers.py: {len(problems)} include(s) break the layers of core/README.md",
              file=sys.stderr)
        return 1
    print(f"check_layers.py: {checked} includes keep to the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
