"""The HTML report's setup: what the search fixed, never a default it searched."""

import re

import pytest

from hyperdesk.core import cli
from hyperdesk.core.storage.report import report_html
from tests.conftest import TINY_CONFIG


def fixed_rows(page: str) -> dict[str, str]:
    fixed = page.split("<h3>Fixed</h3>", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", fixed)
    return dict(zip(cells[::2], cells[1::2], strict=True))


@pytest.mark.parametrize(
    ("searched", "network"),
    [
        ([], "16 x 16 relu"),
        (
            ["search.space.hidden_units={low=4, high=32}"],
            "2 layers, width searched, activation relu",
        ),
        (
            ["search.space.layers={low=1, high=3}", "search.space.hidden_units={low=4, high=32}"],
            "depth searched, width searched, activation relu",
        ),
    ],
)
def test_the_fixed_table_says_searched_for_what_was_searched(tmp_path, capsys, searched, network):
    (tmp_path / "t.toml").write_text(TINY_CONFIG)
    path = tmp_path / "s.hdsession"
    overrides = ["search.trials=2", "train.epochs=1", *searched]
    args = [arg for override in overrides for arg in ("--set", override)]
    assert cli.main(["run", str(tmp_path / "t.toml"), *args, "--session", str(path)]) == 0
    capsys.readouterr()
    rows = fixed_rows(report_html(path, [], "not read for this test"))
    assert rows["network"] == network
    assert rows["training"] == "epochs 1, batch 20, optimizer sgd"


def test_a_regression_s_report_ranks_its_best_by_its_metric(tmp_path, capsys, hyperdesk_home):
    from tests.core.search.test_metric_direction import regression_run

    run = regression_run(capsys, tmp_path, "val_rmse")
    page = report_html(run["session"], [])
    assert "regression on" in page and "0 classes" not in page  # the data section
    table = next(t for t in page.split("<table")[1:] if "val RMSE" in t)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells[0] == str(run["best"]["number"])  # the lowest RMSE first
