"""tools/cost.py: the monthly estimate stays within $10 at the station's load, follows what the
infrastructure decides, and is the one docs/cost.md and the README quote."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from conftest import ROOT

from tools import cost

DOC = (ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(capsys, *args: str) -> str:
    assert cost.main(list(args)) == 0
    return capsys.readouterr().out


def test_the_station_pays_at_most_ten_dollars_a_month():
    lines = cost.estimate()
    assert cost.total(lines) <= cost.MONTHLY_TARGET == 10.00
    assert cost.total(lines) == pytest.approx(sum(line.dollars for line in lines), abs=0.01 * len(lines))
    assert all(line.dollars >= 0 for line in lines)


def test_every_service_the_stack_pays_for_has_a_line():
    assert {line.service for line in cost.estimate()} >= {
        "AppSync operations", "AppSync real-time", "Lambda (arm64)", "DynamoDB writes", "DynamoDB reads",
        "DynamoDB storage", "DynamoDB point-in-time recovery", "S3 (media + site)", "CloudFront", "Cognito",
        "X-Ray", "CloudWatch", "KMS"}


def test_the_api_sampling_rule_is_what_keeps_x_ray_free(monkeypatch):
    def x_ray():
        return next(line.dollars for line in cost.estimate() if line.service == "X-Ray")

    assert x_ray() == 0
    monkeypatch.setattr(cost, "XRAY_SAMPLING_RATE", 1.0)  # every request traced, as before the rule
    assert x_ray() == pytest.approx(0.91, abs=0.01)


def test_a_save_writes_the_item_once_per_index_holding_live_items():
    assert cost.write_copies() == pytest.approx((4 * 5 + 2 * 6) / 6)  # two entities have a date index


def test_the_page_size_is_the_storage_modules():
    operations = (ROOT / "frontend" / "src" / "operations.js").read_text(encoding="utf-8")
    assert re.search(rf"export const PAGE_SIZE = {cost.PAGE_SIZE};", operations)


def test_the_cli_prints_each_service_and_the_total(capsys):
    out = run(capsys)
    for line in cost.estimate():
        assert re.search(rf"^{re.escape(line.service)} +{line.dollars:.2f}  ", out, re.MULTILINE), line.service
    assert re.search(rf"^Total +{cost.total(cost.estimate()):.2f}  USD a month", out, re.MULTILINE)


def test_an_unknown_assumption_is_refused_by_name(capsys):
    with pytest.raises(SystemExit):
        cost.main(["--set", "journalists=6"])
    assert "'journalists' is not an assumption" in capsys.readouterr().err


def doc_table() -> dict[str, str]:
    rows = re.findall(r"^\| (?:\*\*)?([^|*]+?)(?:\*\*)? \|[^|]*\| (?:\*\*)?([\d.]+)(?:\*\*)? \|$", DOC, re.MULTILINE)
    return dict(rows)


def test_docs_cost_quotes_the_scripts_figures():
    lines = cost.estimate()
    expected = {line.service: f"{line.dollars:.2f}" for line in lines} | {"Total": f"{cost.total(lines):.2f}"}
    assert doc_table() == expected
    assert f"**≈ ${cost.total(lines):.2f} a month**" in DOC


@pytest.mark.parametrize("changes, quoted", [
    (("browsers_open=20", "saves=3000"), "make the total ≈ ${total}"),
    (("table_gb=10",), "gives ≈ ${total}"),
])
def test_docs_cost_what_if_figures_are_the_scripts(capsys, changes, quoted):
    load = replace(cost.STATION, **{k: int(v) for k, v in (c.split("=") for c in changes)})
    total = f"{cost.total(cost.estimate(load)):.2f}"
    assert quoted.replace("{total}", total) in DOC
    out = run(capsys, *[arg for change in changes for arg in ("--set", change)])
    assert re.search(rf"^Total +{total}  USD a month", out, re.MULTILINE)


def test_the_readme_quotes_the_total():
    assert f"≈ ${cost.total(cost.estimate()):.2f} a month" in README
    assert "python -m tools.cost" in README
