"""The order of the gallery's examples: from a first model to the internals.

sphinx-gallery takes the sort key by its dotted name, so it stays a plain
string in ``sphinx_gallery_conf`` (which Sphinx can then cache).
"""

from pathlib import Path

ORDER = [
    "plot_cross_validation.py",
    "plot_grid_search.py",
    "plot_digits.py",
    "plot_learning_curves.py",
    "plot_prediction_intervals.py",
    "plot_callbacks_and_schedules.py",
    "plot_persistence.py",
    "plot_bring_your_model.py",
    "plot_keras_core.py",
    "plot_array_api.py",
    "seed_blog_demo.py",
    "plot_same_model.py",
    "compare_with_sklearn.py",
]


class ExampleOrder:
    """Sort key: the examples listed in ``ORDER`` first, in that order, then the rest."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = Path(filename).name
        rank = ORDER.index(name) if name in ORDER else len(ORDER)
        return rank, name

    def __repr__(self) -> str:
        return "ExampleOrder"
