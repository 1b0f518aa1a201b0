"""Who delivered a report: every form the shared corpus uses, spans into the raw text, and coverage."""

import glob
from pathlib import Path

import pytest

from rag.extract.speaker import find_speaker
from rag.ingest.clean import clean
from rag.ingest.load import load_file
from tests.conftest import GOV_CORPUS

HEAD = "---\ntitle: {title}\n---\n\n——2025年1月7日在某市第十四届人民代表大会第四次会议上\n\n{byline}\n\n各位代表：\n\n现在，我代表市人民政府向大会报告工作。\n"


@pytest.mark.parametrize("byline,name,title", [
    ("市长 洪湖鹏", "洪湖鹏", "市长"),
    ("三明市人民政府代市长 陈岳峰", "陈岳峰", "三明市人民政府代市长"),
    ("**省 长 吴晓军**", "吴晓军", "省长"),  # spaced for layout, in Markdown bold
    ("市长：王勇", "王勇", "市长"),
    ("州长 洪 庆", "洪庆", "州长"),
    ("自治州州长 叶尔夏提·吐尔逊拜", "叶尔夏提·吐尔逊拜", "自治州州长"),
    ("凉山彝族自治州人民政府代理州长 阿石拉比", "阿石拉比", "凉山彝族自治州人民政府代理州长"),
    ("陈 绍 旺", "陈绍旺", None),  # a bare name after the meeting line
])
def test_byline_forms(byline, name, title):
    raw = HEAD.format(title="某市政府工作报告（2025年1月7日 王五）", byline=byline)
    s = find_speaker(clean(raw))
    assert s is not None and (s.name, s.title) == (name, title)
    assert raw[s.start:s.end] == s.quote and s.source == "byline"


def test_role_and_name_on_two_lines():
    raw = HEAD.format(title="2023年东莞市政府工作报告", byline="东莞市人民政府市长\n吕成蹊")
    s = find_speaker(clean(raw))
    assert (s.name, s.title) == ("吕成蹊", "东莞市人民政府市长")


def test_photo_caption_in_a_comment():
    raw = "---\ntitle: 政府工作报告\n---\n<!-- 市长贺海东作政府工作报告。刘清羽 摄 -->\n\n各位代表：\n现在，我代表市人民政府向大会报告工作。\n"
    s = find_speaker(clean(raw))
    assert (s.name, s.title, s.source) == ("贺海东", "市长", "caption") and raw[s.start:s.end] == s.quote


def test_front_matter_title_names_the_speaker_when_nothing_else_does():
    raw = "---\ntitle: 林芝市政府工作报告（2022年1月12日 巴塔）\n---\n\n各位代表：\n现在，我代表林芝市人民政府向大会报告工作。\n"
    s = find_speaker(clean(raw))
    assert (s.name, s.title, s.source) == ("巴塔", None, "title") and raw[s.start:s.end] == s.quote


@pytest.mark.parametrize("byline", ["市长", "菜篮子市长负责制落实到位"])
def test_no_name_no_speaker(byline):
    raw = HEAD.format(title="政府工作报告", byline=byline)
    assert find_speaker(clean(raw)) is None


@pytest.mark.skipif(not GOV_CORPUS.is_dir(), reason="the shared corpus is not beside the checkout")
def test_coverage_on_the_shared_corpus():
    files = sorted(glob.glob(str(GOV_CORPUS / "*.txt")))
    found = 0
    for f in files:
        lf = load_file(Path(f))
        s = find_speaker(clean(lf.raw, lf.is_html))
        if s:
            found += 1
            assert lf.raw[s.start:s.end] == s.quote
            assert "报告" not in s.name and len(s.name) <= 12, s
    assert found / len(files) >= 0.9, f"speaker found in {found}/{len(files)} reports"
