"""Generalisation: metadata on 200 city and province reports (skipped without ../shared)."""

import importlib.util

import pytest

from tests.conftest import GOV_CORPUS, ROOT

pytestmark = pytest.mark.skipif(not (GOV_CORPUS / "manifest.jsonl").exists(), reason="shared gov-report corpus absent")


def test_place_and_report_year_agree_with_manifest_on_200_docs():
    spec = importlib.util.spec_from_file_location("metadata_check", ROOT / "evals" / "metadata_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.check(GOV_CORPUS, 200)
    assert res["n"] == 200
    assert res["place"] >= 0.95, res["misses"][:10]
    assert res["place_and_year"] >= 0.95, res["misses"][:10]
