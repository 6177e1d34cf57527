"""Checks of the built documentation site.

The unit suite does not build the docs, so the checks of the built HTML are
skipped unless a built site exists: ``SKNETSCRATCH_DOCS_HTML`` names its folder
(default ``docs/_build/html``). Build it and run them with::

    python -m pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html
    SKNETSCRATCH_DOCS_HTML=docs/_build/html python -m pytest tests/test_docs.py

The checkers are plain functions that return the problems they find; the tests
at the end run them on small pages made to fail, so each check can fail.
"""

import html as html_lib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("SKNETSCRATCH_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
ESTIMATORS = [ScratchMLPClassifier, ScratchMLPRegressor]

needs_site = pytest.mark.skipif(
    not (HTML / "index.html").is_file(),
    reason=f"no built documentation at {HTML} (build it with `python -m sphinx -W "
    "--keep-going -b html docs docs/_build/html`, or set SKNETSCRATCH_DOCS_HTML)",
)


# -- checkers ----------------------------------------------------------------------
MATH_ELEMENT = re.compile(r'<(?:span|div) class="math notranslate nohighlight">')
MATH_SCRIPT = re.compile(r'<script[^>]+src="([^"]*mathjax[^"]*)"', re.IGNORECASE)
#: A URL on another host: with a scheme, or protocol-relative (``//host/...``).
REMOTE = r"(?:[a-z][a-z0-9+.-]*:)?//"
REMOTE_REFERENCE = re.compile(
    rf"""<script\b[^>]*\bsrc\s*=\s*["']?\s*({REMOTE}[^"'\s>]*)"""
    rf"""|<link\b[^>]*\bhref\s*=\s*["']?\s*({REMOTE}[^"'\s>]*)"""
    rf"""|@import\s+(?:url\()?\s*["']?\s*({REMOTE}[^"')\s;]*)"""
    rf"""|url\(\s*["']?\s*({REMOTE}[^"')\s]*)""",
    re.IGNORECASE,
)


def math_problems(html: str, at_least: int = 50) -> list[str]:
    """What keeps the page from having math that renders offline.

    The math is MathJax's: TeX in ``math`` elements, typeset in the browser by
    the copy of MathJax 3 served with the site (``docs/_sphinxext/
    offline_math.py``). The typeset markup itself is checked in Chromium
    (``test_derivation_page_typesets_its_math_offline_in_chromium``).
    """
    problems = []
    n = len(MATH_ELEMENT.findall(html))
    if n < at_least:
        problems.append(f"{n} math elements, expected at least {at_least}")
    scripts = MATH_SCRIPT.findall(html)
    if not scripts:
        problems.append("no MathJax script")
    problems += [
        f"MathJax loaded from another host: {src}"
        for src in scripts
        if re.match(REMOTE, src, re.I)
    ]
    if "$$" in html:
        problems.append("'$$' left in the page: display math that was not parsed")
    return problems


def remote_references(text: str) -> list[str]:
    """Scripts, style sheets, imports and ``url()`` that point at another host."""
    return [next(g for g in m.groups() if g) for m in REMOTE_REFERENCE.finditer(text)]


def site_remote_references(site: Path) -> list[str]:
    """``remote_references`` of every HTML and CSS file of the built site."""
    return [
        f"{path.relative_to(site)}: {url}"
        for pattern in ("*.html", "*.css")
        for path in sorted(site.rglob(pattern))
        for url in remote_references(path.read_text(encoding="utf-8", errors="replace"))
    ]


def missing_api_names(html: str, names) -> list[str]:
    """Public names without an entry (a link to their page, or an anchor)."""
    return [
        name
        for name in names
        if f'href="generated/sknetscratch.{name}.html' not in html
        and f'id="sknetscratch.{name}"' not in html
    ]


def registered_names() -> dict[str, list[str]]:
    """What the comparison's sknetscratch column must list, from the registries."""
    import sknetscratch
    from sknetscratch.nn import layers
    from sknetscratch.optim import OPTIMIZERS
    from sknetscratch.training import callbacks

    return {
        "activation": list(sknetscratch.ACTIVATIONS),
        "loss": list(sknetscratch.LOSSES),
        "optimizer": [cls.__name__ for cls in OPTIMIZERS.values()],
        "schedule": list(sknetscratch.SCHEDULES),
        "callback": [
            n
            for n in callbacks.__all__
            if isinstance(getattr(callbacks, n), type)
            and issubclass(getattr(callbacks, n), callbacks.Callback)
            and n != "Callback"
        ],
        "layer": [n for n in layers.__all__ if n != "Layer"],
    }


def missing_registered_names(html: str, registered: dict[str, list[str]]) -> list[str]:
    """Registered names that the page does not show as code."""
    return [
        f"{kind} {name!r}"
        for kind, names in registered.items()
        for name in names
        if f'<span class="pre">{name}</span>' not in html
    ]


def visible_text(dom: str) -> str:
    """The text of a DOM dump, less scripts, styles and tags."""
    dom = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1\s*>", " ", dom)
    return html_lib.unescape(re.sub(r"(?s)<[^>]+>", " ", dom))


def documented_parameters(html: str, qualified_name: str) -> list[str]:
    """Names in the first "Parameters" field of the class ``qualified_name``.

    numpydoc renders ``a, b : float`` as one entry, ``<strong>a, b</strong>``.
    """
    start = html.find(f'id="{qualified_name}"')
    if start < 0:
        return []
    field = re.search(
        r'<dt class="field-\w+">Parameters<span class="colon">:</span></dt>(.*?)'
        r'(?:<dt class="field-\w+">|</dl>\s*</dd>\s*</dl>)',
        html[start:],
        re.S,
    )
    if field is None:
        return []
    entries = re.findall(r"<dt><strong>([^<]*)</strong>", field.group(1))
    return [name for entry in entries for name in re.findall(r"\w+", entry)]


def parameter_problems(html: str, estimator) -> list[str]:
    """Parameters of ``get_params()`` that the API page does not list."""
    name = f"sknetscratch.{type(estimator).__name__}"
    listed = set(documented_parameters(html, name))
    missing = sorted(set(estimator.get_params(deep=False)) - listed)
    return [f"{name}: parameter {p!r} not documented" for p in missing]


def figure_problems(page: Path) -> list[str]:
    """Whether a gallery page shows a figure its example drew (not a thumbnail)."""
    html = page.read_text(encoding="utf-8")
    sources = re.findall(
        rf'<img[^>]+src="([^"]*sphx_glr_{re.escape(page.stem)}_\d+\.png)"', html
    )
    if not sources:
        return [f"{page.name}: no <img> of a figure generated by the example"]
    return [
        f"{page.name}: {src} does not exist"
        for src in sources
        if not (page.parent / src).is_file()
    ]


def gallery_examples() -> list[str]:
    """The examples the gallery shows: examples/*.py minus conf.py's ignore pattern."""
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    ignore = re.search(r'^GALLERY_IGNORE = r"(.*)"$', conf, re.M).group(1)
    return sorted(
        p.stem
        for p in (ROOT / "examples").glob("*.py")
        if re.search(ignore, p.name) is None
    )


# -- the built site ----------------------------------------------------------------
@needs_site
def test_derivation_page_has_math_that_renders_offline():
    html = (HTML / "derivation.html").read_text(encoding="utf-8")
    assert math_problems(html) == []
    # the script, and the fonts it loads, are files of the site
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()
    fonts = HTML / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert len(list(fonts.glob("*.woff"))) >= 20


@needs_site
def test_no_page_loads_anything_from_another_host():
    assert site_remote_references(HTML) == []


@needs_site
def test_api_page_lists_every_public_name():
    import sknetscratch

    html = (HTML / "api.html").read_text(encoding="utf-8")
    assert missing_api_names(html, sknetscratch.__all__) == []


@needs_site
def test_comparison_lists_everything_registered():
    html = (HTML / "comparison.html").read_text(encoding="utf-8")
    assert missing_registered_names(html, registered_names()) == []


def chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)


def no_network_prefix() -> list[str]:
    """``unshare -n`` (a new, empty network namespace) where it is allowed."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"]).returncode == 0:
        return [unshare, "-n"]
    return []  # Chromium's own flags below still keep it off the network


@needs_site
@pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"),
    reason="no chromium (Debian's package; .ci/run installs it)",
)
def test_derivation_page_typesets_its_math_offline_in_chromium(tmp_path):
    """Headless Chromium, no network: every formula typeset, no TeX left."""
    assert chromium() is not None, "CI must have chromium (.ci/run installs it)"
    command = [
        *no_network_prefix(),
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        # no name resolves and no proxy is used, even where unshare is refused
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--no-proxy-server",
        "--virtual-time-budget=30000",  # let MathJax finish before the dump
        "--dump-dom",
        (HTML / "derivation.html").resolve().as_uri(),
    ]
    dom = subprocess.run(
        command, capture_output=True, text=True, timeout=180, check=True
    ).stdout
    html = (HTML / "derivation.html").read_text(encoding="utf-8")
    n_math = len(MATH_ELEMENT.findall(html))
    assert dom.count("<mjx-container") >= n_math >= 50
    text = visible_text(dom)
    assert "Backpropagation" in text  # the page itself was dumped
    for tex in (r"\frac", r"\partial", r"\(", r"\["):
        assert tex not in text, f"raw TeX {tex} in the rendered page"


@needs_site
@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_estimator_api_page_lists_every_parameter(cls):
    page = HTML / "generated" / f"sknetscratch.{cls.__name__}.html"
    assert page.is_file(), f"no API page {page}"
    assert parameter_problems(page.read_text(encoding="utf-8"), cls()) == []


@needs_site
@pytest.mark.parametrize("stem", gallery_examples())
def test_every_gallery_page_has_its_figure(stem):
    page = HTML / "auto_examples" / f"{stem}.html"
    assert page.is_file(), f"examples/{stem}.py has no gallery page"
    assert figure_problems(page) == []


@needs_site
def test_the_gallery_index_links_every_example():
    index = (HTML / "auto_examples" / "index.html").read_text(encoding="utf-8")
    missing = [s for s in gallery_examples() if f'href="{s}.html' not in index]
    assert missing == []


# -- each check can fail -----------------------------------------------------------
def test_math_check_fails_on_a_page_without_rendered_math():
    page = "<html><body><p>$$ Z = XW + b $$</p></body></html>"
    problems = math_problems(page)
    assert len(problems) == 3
    assert "no MathJax script" in problems


def test_math_check_passes_local_mathjax_and_fails_a_cdn():
    math = '<div class="math notranslate nohighlight">\\[Z = XW + b\\]</div>'
    page = '<script defer src="_static/mathjax/tex-chtml.js"></script>' + math
    assert math_problems(page, at_least=1) == []
    cdn = '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js">'
    assert math_problems(cdn + math, at_least=1) == [
        "MathJax loaded from another host: "
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
    ]


def test_remote_reference_check_finds_each_kind(tmp_path):
    page = (
        '<script src="https://code.jquery.com/jquery.js"></script>'
        "<link href='//fonts.example.org/a.css' rel='stylesheet'/>"
        '<style>@import url("https://x.org/b.css");</style>'
        '<script src="_static/local.js"></script>'
        '<link href="_static/local.css" rel="stylesheet"/>'
        '<a href="https://scikit-learn.org">a link is not a load</a>'
    )
    assert remote_references(page) == [
        "https://code.jquery.com/jquery.js",
        "//fonts.example.org/a.css",
        "https://x.org/b.css",
    ]
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.css").write_text(
        "@font-face { src: url(https://fonts.example.org/f.woff2) }"
    )
    (tmp_path / "index.html").write_text(page)
    assert len(site_remote_references(tmp_path)) == 4


def test_name_checks_fail_on_a_page_without_the_names():
    page = (
        '<a href="generated/sknetscratch.Model.html">Model</a>'
        '<dt id="sknetscratch.LOSSES">'
        '<code><span class="pre">relu</span></code>'
    )
    assert missing_api_names(page, ["Model", "LOSSES", "Adam"]) == ["Adam"]
    assert missing_registered_names(page, {"activation": ["relu", "tanh"]}) == [
        "activation 'tanh'"
    ]


def test_visible_text_leaves_out_scripts_and_tags():
    dom = (
        '<script>var tex = "\\frac";</script><p>a <b>b</b> &amp; c</p>'
        "<style>.x{}</style><mjx-container><mi>x</mi></mjx-container>"
    )
    assert visible_text(dom).split() == ["a", "b", "&", "c", "x"]


def test_parameter_check_names_an_undocumented_parameter():
    page = (
        '<dt class="sig sig-object py" id="sknetscratch.ScratchMLPClassifier">'
        '<dl class="field-list simple"><dt class="field-odd">Parameters'
        '<span class="colon">:</span></dt><dd class="field-odd"><dl class="simple">'
        "<dt><strong>hidden_layer_sizes</strong></dt><dd></dd>"
        "<dt><strong>activation, solver</strong></dt><dd></dd>"
        '</dl></dd><dt class="field-even">Attributes<span class="colon">:</span></dt>'
        "<dd><dl><dt><strong>alpha</strong></dt></dl></dd></dl>"
    )
    assert documented_parameters(page, "sknetscratch.ScratchMLPClassifier") == [
        "hidden_layer_sizes",
        "activation",
        "solver",
    ]
    problems = parameter_problems(page, ScratchMLPClassifier())
    # 'alpha' is listed, but as an attribute: it does not count
    assert "sknetscratch.ScratchMLPClassifier: parameter 'alpha' not documented" in (
        problems
    )
    assert len(problems) == len(ScratchMLPClassifier().get_params()) - 3


def test_figure_check_fails_on_a_page_without_its_figure(tmp_path):
    page = tmp_path / "plot_x.html"
    page.write_text(
        '<img src="../_images/sphx_glr_plot_x_thumb.png"/>'
        '<img src="../_images/sphx_glr_plot_y_001.png"/>',
        encoding="utf-8",
    )
    assert figure_problems(page) == [
        "plot_x.html: no <img> of a figure generated by the example"
    ]
    page.write_text('<img src="sphx_glr_plot_x_001.png"/>', encoding="utf-8")
    assert figure_problems(page) == [
        "plot_x.html: sphx_glr_plot_x_001.png does not exist"
    ]
    (tmp_path / "sphx_glr_plot_x_001.png").write_bytes(b"\x89PNG")
    assert figure_problems(page) == []


def test_gallery_leaves_out_only_what_needs_an_extra():
    shown = gallery_examples()
    assert "onnx_export" not in shown
    assert {"plot_same_model", "seed_blog_demo", "compare_with_sklearn"} <= set(shown)
