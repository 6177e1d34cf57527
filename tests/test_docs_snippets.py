"""Every fenced code block of README.md and docs/*.md runs as written.

Each ```` ```python ```` block is a complete script: it runs alone, in a fresh
interpreter (``subprocess``, in an empty folder, ``MPLBACKEND=Agg``, one BLAS
thread, a time limit), and must exit 0 without printing a warning. Blocks that
are not meant to run say so:

* by their language: ``text`` (output), ``bash`` / ``console`` (shell
  commands), and MyST directives such as ```` ```{toctree} ````;
* a Python block that is an excerpt (code quoted from the library or from the
  blog post, a class signature) by the line ``<!-- snippet: excerpt -->``
  right above its opening fence; HTML comments are invisible on GitHub and on
  the built site.

A block without a language fails the test: every block is one or the other.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXCERPT = "<!-- snippet: excerpt -->"
#: Languages of blocks that show output or shell commands, never run.
NOT_PYTHON = {"text", "bash", "console", "shell", "json", "toml", "ini"}
TIME_LIMIT = 300  # seconds, for one block (the Dask ones start a local cluster)

FENCE = re.compile(
    r"^(?P<fence>```+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S
)


def blocks(text: str):
    """``(line, language, marker, body)`` for each fenced block of ``text``."""
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        yield line, m.group("info").strip(), before == EXCERPT, m.group("body")


def python_blocks():
    for path in SOURCES:
        for line, lang, excerpt, body in blocks(path.read_text(encoding="utf-8")):
            if lang == "python" and not excerpt:
                yield pytest.param(body, id=f"{path.relative_to(ROOT)}:{line}")


def block_problems(path_name: str, text: str) -> list[str]:
    """Blocks that are neither runnable Python nor marked as something else."""
    problems = []
    for line, lang, excerpt, _ in blocks(text):
        where = f"{path_name}:{line}"
        if not lang:
            problems.append(f"{where}: a block without a language")
        elif excerpt and lang != "python":
            problems.append(f"{where}: {EXCERPT} marks only Python blocks")
        elif lang not in NOT_PYTHON | {"python"} and not lang.startswith("{"):
            problems.append(f"{where}: unknown language {lang!r}")
    return problems


def test_every_block_is_python_or_marked():
    problems = [
        p
        for path in SOURCES
        for p in block_problems(
            str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
        )
    ]
    assert problems == []


def test_there_are_snippets_to_run():
    assert len(list(python_blocks())) >= 15


@pytest.mark.parametrize("code", list(python_blocks()))
def test_snippet_runs_as_written(code, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Warning" not in proc.stderr, proc.stderr[-4000:]


# -- the checks can fail ------------------------------------------------------------
def test_block_check_names_unmarked_blocks():
    text = (
        "```\nplain\n```\n\n"
        "<!-- snippet: excerpt -->\n```text\nout\n```\n\n"
        "```rust\nfn main() {}\n```\n\n"
        "<!-- snippet: excerpt -->\n```python\nx = undefined\n```\n\n"
        "```{toctree}\npage\n```\n"
    )
    assert block_problems("page.md", text) == [
        "page.md:1: a block without a language",
        "page.md:6: <!-- snippet: excerpt --> marks only Python blocks",
        "page.md:10: unknown language 'rust'",
    ]
    langs = [(lang, excerpt) for _, lang, excerpt, _ in blocks(text)]
    assert ("python", True) in langs
