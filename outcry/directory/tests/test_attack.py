"""Attacks on issue 14's public directory: what a stranger can read by guessing ids."""

import io
import lzma

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from outcry.directory.models import Target
from outcry.directory.testing import make_target, make_target_list
from outcry.testing import make_campaign, make_letter_action, make_organisation

pytestmark = pytest.mark.django_db


def report(pk: int) -> str:
    return reverse("directory:report", args=[pk])


def test_the_report_page_names_no_target_of_an_organisations_own_list(client):
    """The report form once showed any target by id, with its addresses."""
    secret = make_target(
        name="Embassy kept by B",
        channels={"email": "secret-contact@example.org"},
    )
    make_target_list(targets=[secret], organisation=make_organisation())
    legislator = make_target(
        name="Senator Private",
        category="legislator",
        represents="",
        channels={"email": "private-staffer@senate.example"},
    )
    draft = make_campaign(status="draft")
    make_letter_action(campaign=draft, targets=[legislator])
    for target in (secret, legislator):
        response = client.get(report(target.pk))
        assert response.status_code == 404
        assert target.name not in response.content.decode()
        assert client.post(report(target.pk), {"note": "x"}).status_code == 404


def test_the_report_page_still_takes_reports_for_public_targets(client):
    shared = make_target(name="Embassy in the open data")
    make_target_list(targets=[shared])
    written_to = make_target(name="Senator Public", category="legislator", represents="")
    make_letter_action(targets=[written_to])
    for target in (shared, written_to):
        response = client.get(report(target.pk))
        assert response.status_code == 200
        assert target.name in response.content.decode()


def test_the_report_page_takes_an_id_too_large_for_a_column(client):
    assert client.get(report(2**70)).status_code == 404


def test_import_missions_refuses_a_compressed_file_that_expands_without_end(tmp_path):
    """A 100 KB .xz that holds more than 64 MiB of rows is not read into memory."""
    bomb = tmp_path / "database_of_embassies.csv.xz"
    compressor = lzma.LZMACompressor(preset=0)
    row = ("CN;DE;Berlin;embassy;Q1;" + "x" * 1000 + "\n").encode()
    with bomb.open("wb") as out:
        out.write(compressor.compress(b"operator;country;city;type;QID;note\n"))
        for _ in range(66 * 1024):  # 66 MiB
            out.write(compressor.compress(row))
        out.write(compressor.flush())
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(CommandError, match="larger than 64 MiB once decompressed"):
        call_command("import_missions", str(bomb), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Target.objects.exists()
