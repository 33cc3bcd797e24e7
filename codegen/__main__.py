"""``python -m codegen [--spec PATH] [--check]``: regenerate, or fail on drift."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.bundle import build_bundle, render_bundle

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared" / "openapi" / "openapi.json"
BUNDLE_PATH = ROOT / "oai_mock" / "spec" / "bundle.json"
LICENSE_PATH = ROOT / "oai_mock" / "spec" / "LICENSE"
"""The spec's license, shipped next to the bundle derived from the spec."""
GENERATED_DIRS = (ROOT / "oai_mock" / "client" / "_generated",)
"""Folders the generator owns entirely: a file it no longer writes there is stale."""


def generated_files(spec: Path) -> dict[Path, bytes]:
    """Every file the generator owns, with the bytes it must hold."""
    from codegen.client import render_client
    from codegen.formatting import ruff_format

    files = {
        BUNDLE_PATH: render_bundle(build_bundle(spec)),
        LICENSE_PATH: (spec.parent / "LICENSE").read_bytes(),
    }
    for path, content in render_client(spec, ROOT).items():
        files[path] = ruff_format(content, path)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/generate", description=__doc__)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the OpenAPI document")
    parser.add_argument("--check", action="store_true", help="fail if generated files drifted")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        print(f"spec not found: {args.spec}", file=sys.stderr)
        return 2
    files = generated_files(args.spec)
    stale = [
        path
        for folder in GENERATED_DIRS
        if folder.is_dir()
        for path in sorted(folder.rglob("*.py"))
        if path not in files
    ]
    if args.check:
        for path, content in sorted(files.items()):
            if not path.is_file() or path.read_bytes() != content:
                print(f"generated file out of date: {path.relative_to(ROOT)}", file=sys.stderr)
                print("run scripts/generate and commit the result", file=sys.stderr)
                return 1
        if stale:
            print(f"stale generated file: {stale[0].relative_to(ROOT)}", file=sys.stderr)
            return 1
        print(f"{len(files)} generated files up to date")
        return 0
    for path in stale:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    for path, content in sorted(files.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
