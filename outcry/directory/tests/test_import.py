"""The import commands, run as an operator runs them, on the data files shipped with outcry."""

import io
import lzma
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from outcry.core.models import AuditEvent
from outcry.core.progress import Progress
from outcry.directory.models import Channel, ImportRun, Target, TargetList, ZipDistrict
from outcry.directory.tests.helpers import (
    BERLIN_EMBASSY,
    BUSAN_CONSULATE,
    CHICAGO_CONSULATE,
    CONTACT_FORMS_CSV,
    LEGISLATORS_YAML,
    MISSIONS_CSV,
    SEOUL_EMBASSY,
    ZCCD_CSV,
    import_congress,
    import_missions,
    loaded_for_module,
    prc_missions_copy,
    run,
)


def summary(output) -> str:
    return output.stdout.splitlines()[0]


def edited_copy(tmp_path, source, edit) -> str:
    """A plain-text copy of *source* (decompressed if .xz) in tmp_path with *edit* applied."""
    path = tmp_path / source.name.removesuffix(".xz")
    with (
        lzma.open(source, "rt", encoding="utf-8")
        if source.suffix == ".xz"
        else (source.open(encoding="utf-8")) as handle
    ):
        text = handle.read()
    path.write_text(edit(text), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Missions


@pytest.fixture
def missions_csv(tmp_path):
    """China's rows as plain text (prc_missions.csv), for tests that edit them."""
    return prc_missions_copy(tmp_path)


def test_importing_prc_missions_gives_147_targets_without_the_taiwan_office(db):
    output = import_missions()
    assert summary(output).endswith("147 created, 0 updated, 0 unchanged, 1 skipped, 0 closed.")
    assert "de facto embassy in 'Taiwan' is not imported" in output.stdout
    assert Target.objects.count() == 147
    assert not Target.objects.filter(country="TW").exists()
    assert Target.objects.filter(category=Target.Category.EMBASSY).count() == 108
    assert set(Target.objects.values_list("represents", flat=True)) == {"CN"}

    run_ = ImportRun.objects.get()
    assert run_.kind == "missions"
    assert run_.source == str(MISSIONS_CSV.resolve())
    assert (run_.created_count, run_.skipped_count) == (147, 1)
    assert run_.finished_at is not None


def test_the_seoul_embassy_comes_with_coordinates_phone_and_email(db):
    import_missions()
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    assert seoul.name == "Embassy of the People's Republic of China in Seoul"
    assert (seoul.category, seoul.country, seoul.city) == ("embassy", "KR", "Seoul")
    assert seoul.latitude == pytest.approx(37.5622, abs=1e-3)
    assert seoul.longitude == pytest.approx(126.9828, abs=1e-3)
    assert seoul.salutation == "Your Excellency"
    assert seoul.role == "Ambassador"
    assert seoul.language_codes == ["zh-hans", "ko"]
    assert seoul.website.startswith("http")
    channels = {(c.kind, c.value) for c in seoul.channels.all()}
    assert channels == {("phone", "+8227381038"), ("email", "chinaemb_kr@mfa.gov.cn")}

    busan = Target.objects.get(external_id=BUSAN_CONSULATE)
    assert busan.salutation == "Dear Consul General"
    assert busan.category == "consulate"
    us = Target.objects.get(external_id=CHICAGO_CONSULATE)
    assert us.language_codes == ["zh-hans", "en"]


def test_a_phone_number_that_is_not_valid_is_left_out_with_a_note(db, missions_csv, tmp_path):
    # The Hanoi embassy's "+844-38453736" predates Vietnam's 2017 renumbering.
    garbled = edited_copy(
        tmp_path, missions_csv, lambda text: text.replace("+82-2-738-1038", "call us!")
    )
    output = import_missions(garbled)
    assert "147 created" in summary(output)
    assert "phone '+844-38453736' is not a valid number in VN; left out" in output.stdout
    assert "phone 'call us!' is not a valid number in KR; left out" in output.stdout
    hanoi = Target.objects.get(country="VN", city="Hanoi")
    assert [c.kind for c in hanoi.channels.all()] == ["email"]
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    assert [c.kind for c in seoul.channels.all()] == ["email"]
    assert "call us!" in ImportRun.objects.get().notes


def test_running_the_import_again_changes_and_duplicates_nothing(db, missions_csv):
    import_missions()
    channels = list(Channel.objects.order_by("pk").values_list("pk", "kind", "value", "status"))
    output = import_missions()
    assert summary(output).endswith("0 created, 0 updated, 147 unchanged, 1 skipped, 0 closed.")
    assert Target.objects.count() == 147
    assert list(Channel.objects.order_by("pk").values_list("pk", "kind", "value", "status")) == (
        channels
    )
    assert ImportRun.objects.count() == 2


def test_the_shipped_file_filtered_by_operator_gives_the_same_missions(db, missions_csv):
    output = import_missions(missions_csv)
    assert "147 created" in summary(output)
    # Both spellings of the operator are the PRC's.
    assert Target.objects.filter(external_id="wikidata:Q1073835", country="DE").exists()
    assert summary(import_missions()).endswith("0 updated, 147 unchanged, 1 skipped, 0 closed.")


def test_an_embassy_without_a_city_is_placed_in_the_capital(db):
    output = import_missions()
    assert "(Q1073835): no city; placed in the capital, Berlin" in output.stdout
    berlin = Target.objects.get(external_id=BERLIN_EMBASSY)
    assert berlin.name == "Embassy of the People's Republic of China in Germany"
    assert (berlin.country, berlin.city, berlin.is_location_approximate) == ("DE", "Berlin", True)
    assert berlin.latitude == pytest.approx(52.52, abs=0.01)
    assert berlin.longitude == pytest.approx(13.41, abs=0.01)
    # Palestine's row has coordinates but no city: named after the nearest, not moved.
    ramallah = Target.objects.get(external_id="wikidata:Q51050695")
    assert (ramallah.city, ramallah.is_location_approximate) == ("Ramallah", False)
    assert ramallah.latitude == pytest.approx(31.911, abs=0.001)

    # The guess is the organisers' to correct: a new import leaves their building alone.
    Target.objects.filter(pk=berlin.pk).update(
        city="Berlin-Mitte", latitude=52.5096, longitude=13.4234, is_location_approximate=False
    )
    assert "147 unchanged" in summary(import_missions())
    berlin.refresh_from_db()
    assert (berlin.city, berlin.latitude, berlin.is_location_approximate) == (
        "Berlin-Mitte",
        52.5096,
        False,
    )


def test_every_sending_state_ships_and_imports(db):
    output = run("import_missions", "--list", "worldwide", "--list-name", "Missions")
    created = int(re.search(r": (\d+) created", summary(output)).group(1))
    assert created > 9000
    represented = set(Target.objects.values_list("represents", flat=True))
    assert {"CN", "US", "KR", "DE", "JP", "GB", "FR"} <= represented
    assert Target.objects.filter(represents="US", country="KR", city="Seoul").exists()
    assert TargetList.objects.get(slug="worldwide").targets.count() == created


def test_a_changed_email_in_the_source_updates_the_target(db, missions_csv, tmp_path):
    import_missions()
    changed = edited_copy(
        tmp_path,
        missions_csv,
        lambda text: text.replace("mailto:chinaemb_kr@mfa.gov.cn", "mailto:seoul@example.cn"),
    )
    output = import_missions(changed)
    assert summary(output).endswith("0 created, 1 updated, 146 unchanged, 1 skipped, 0 closed.")
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    emails = {c.value: c.status for c in seoul.channels.filter(kind="email")}
    assert emails == {"seoul@example.cn": "active", "chinaemb_kr@mfa.gov.cn": "closed"}
    assert seoul.import_run == ImportRun.objects.latest("started_at")
    # One audit entry per run, pointing at its ImportRun; none per row it changed.
    event = AuditEvent.objects.order_by("pk").last()
    assert AuditEvent.objects.count() == 2
    assert (event.action, event.actor_username) == ("directory-import", "")
    assert (event.subject_type, event.subject_id) == ("importrun", seoul.import_run.pk)
    assert (event.details["updated"], event.details["unchanged"]) == (1, 146)
    assert not AuditEvent.objects.filter(subject_type="target").exists()

    assert "1 updated" in summary(import_missions())  # and back
    assert {c.value: c.status for c in seoul.channels.filter(kind="email")} == {
        "seoul@example.cn": "closed",
        "chinaemb_kr@mfa.gov.cn": "active",
    }


def test_a_mission_no_longer_listed_is_closed_not_deleted(db, missions_csv, tmp_path):
    import_missions()
    without_chicago = edited_copy(
        tmp_path,
        missions_csv,
        lambda text: "".join(
            line for line in text.splitlines(keepends=True) if "Q19854368" not in line
        ),
    )
    output = import_missions(without_chicago)
    assert summary(output).endswith("0 created, 0 updated, 146 unchanged, 1 skipped, 1 closed.")
    chicago = Target.objects.get(external_id=CHICAGO_CONSULATE)
    assert chicago.is_closed
    assert chicago.closed_on == timezone.localdate()
    assert chicago.closed_reason == "no longer listed in prc_missions.csv"
    assert chicago not in Target.objects.open()

    output = import_missions()  # listed again: the import re-opens what it closed
    assert "1 updated" in summary(output)
    chicago.refresh_from_db()
    assert not chicago.is_closed and chicago.closed_reason == ""


def test_a_target_an_organiser_closed_stays_closed(db):
    import_missions()
    Target.objects.filter(external_id=BUSAN_CONSULATE).update(
        is_closed=True, closed_reason="Moved; the new address is not known yet."
    )
    assert "147 unchanged" in summary(import_missions())
    busan = Target.objects.get(external_id=BUSAN_CONSULATE)
    assert busan.is_closed
    assert busan.closed_reason == "Moved; the new address is not known yet."


def test_a_channel_entered_by_hand_is_left_alone(db):
    import_missions()
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    fax = Channel.objects.create(target=seoul, kind="fax", value="+8227381039")
    import_missions()
    fax.refresh_from_db()
    assert fax.status == "active"
    assert seoul.channels.count() == 3


def test_a_source_that_lost_most_rows_is_refused_unless_allowed(db, missions_csv, tmp_path):
    import_missions()
    truncated = edited_copy(
        tmp_path, missions_csv, lambda text: "".join(text.splitlines(keepends=True)[:21])
    )
    with pytest.raises(
        CommandError, match=r"no longer lists 127 of the 147 targets.*--allow-removals"
    ):
        import_missions(truncated)
    assert Target.objects.open().count() == 147
    failed = ImportRun.objects.latest("started_at")
    assert failed.notes.startswith("Failed, nothing was changed")

    output = import_missions(truncated, "--allow-removals")
    assert summary(output).endswith("127 closed.")
    assert Target.objects.open().count() == 20


def test_the_list_option_gathers_the_open_missions(db):
    output = import_missions(MISSIONS_CSV, "--list", "prc-missions", "--list-name", "PRC missions")
    assert "147 created" in summary(output)
    target_list = TargetList.objects.get(slug="prc-missions")
    assert target_list.name == "PRC missions"
    assert target_list.targets.count() == 147
    with pytest.raises(CommandError, match="--list 'not a slug'"):
        import_missions(MISSIONS_CSV, "--list", "not a slug")


def test_progress_goes_to_stderr_every_ten_percent_when_not_a_terminal(db):
    output = import_missions()
    lines = [line for line in output.stderr.splitlines() if line.startswith("missions:")]
    assert len(lines) == 10
    assert re.fullmatch(r"missions: 147/147 \(100%\) [\d,]+/s", lines[-1])
    assert "\r" not in output.stderr


def test_progress_redraws_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with Progress(total=4, label="rows", stream=stream) as progress:
        progress.redraw_seconds = 0
        for _ in range(4):
            progress.advance()
    text = stream.getvalue()
    assert text.startswith("\rrows: 1/4 (25%)")
    assert text.count("\n") == 1 and text.endswith("\n")
    assert "\rrows: 4/4 (100%)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/missions.csv"], "No such file: /nonexistent/missions.csv"),
        (["ftp://example.org/missions.csv"], "Only http(s) URLs and local files"),
        (["http://127.0.0.1:9/missions.csv", "--timeout", "2"], "Could not download"),
        ([str(CONTACT_FORMS_CSV)], "is not a database_of_embassies file"),
        ([str(MISSIONS_CSV), "--operator-country", "QQ"], "QQ: not an ISO country code"),
        ([str(MISSIONS_CSV), "--timeout", "0"], "--timeout must be a positive number"),
    ],
)
def test_bad_sources_and_options_are_refused_with_a_clear_message(db, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run("import_missions", *args)
    assert not Target.objects.exists()


@contextmanager
def served(directory: Path) -> Iterator[str]:
    """Serve the files of *directory* over HTTP on a free local port; yield its base URL."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_is_downloaded_and_recorded_as_the_source(db, missions_csv):
    with served(missions_csv.parent) as base:
        url = f"{base}/prc_missions.csv"
        output = import_missions(url)
        with pytest.raises(CommandError, match=r"Could not download .*/nothing.csv: HTTP 404"):
            import_missions(url.replace("prc_missions", "nothing"), "--timeout", "5")
    assert "147 created" in summary(output)
    assert "download prc_missions.csv (bytes): 58,594/58,594 (100%)" in output.stderr
    assert ImportRun.objects.filter(finished_at__isnull=False).get().source == url


def test_a_download_redirected_away_from_http_is_refused(db):
    """urllib follows a redirect to ftp:// on its own; the import must not."""

    class Redirect(SimpleHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/missions.csv")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/missions.csv"
        with pytest.raises(CommandError, match=re.escape("redirected to ftp://127.0.0.1/")):
            import_missions(url, "--timeout", "5")
    finally:
        server.shutdown()
        server.server_close()
    assert not Target.objects.exists()


def test_a_compressed_file_is_read_from_a_url_and_a_broken_one_refused(db, tmp_path):
    broken = tmp_path / "database_of_embassies.csv.xz"
    broken.write_bytes(MISSIONS_CSV.read_bytes()[:5000])
    with served(MISSIONS_CSV.parent) as base:
        output = import_missions(f"{base}/{MISSIONS_CSV.name}")
    assert summary(output).endswith("147 created, 0 updated, 0 unchanged, 1 skipped, 0 closed.")
    with pytest.raises(CommandError, match=r"database_of_embassies.csv.xz: Compressed file ended"):
        import_missions(broken)
    assert Target.objects.count() == 147


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not: [closed", "is not readable YAML"),
        ("just a string\n", "is not a list of legislators"),
        (
            "- 1\n- id: {bioguide: nonsense}\n- id: {bioguide: S000033}\n  name: Bernie\n",
            "no members",
        ),
    ],
)
def test_a_broken_congress_file_is_refused_and_changes_nothing(db, tmp_path, text, message):
    broken = tmp_path / "legislators.yaml"
    broken.write_text(text)
    with pytest.raises(CommandError, match=message):
        run("import_congress", broken)
    assert not Target.objects.exists()


# ---------------------------------------------------------------------------
# Congress and ZIP codes: each imported once per module (they are the slow ones)


@pytest.fixture(scope="module")
def congress(django_db_setup, django_db_blocker):
    """The output of one Congress import, whose rows the module's tests share."""
    with loaded_for_module(django_db_blocker, import_congress) as (output,):
        yield output


@pytest.fixture(scope="module")
def zips(django_db_setup, django_db_blocker):
    """The output of one ZIP import, whose rows the module's tests share."""
    with loaded_for_module(django_db_blocker, lambda: run("import_zip_districts", ZCCD_CSV)) as (
        output,
    ):
        yield output


def test_congress_import_creates_537_members(db, congress):
    assert summary(congress).endswith("537 created, 0 updated, 0 unchanged, 0 skipped, 0 closed.")
    members = Target.objects.filter(category="legislator")
    assert members.count() == 537
    assert members.filter(district__isnull=True).count() == 100
    assert members.filter(district__isnull=False).count() == 437


def test_a_senator_has_dc_office_district_offices_and_web_form(db, congress):
    sanders = Target.objects.get(external_id="bioguide:S000033")
    assert (sanders.role, sanders.region, sanders.district) == ("Senator", "VT", None)
    assert sanders.salutation == "Dear Senator Sanders"
    assert sanders.organisation == "United States Senate"
    channels = {(c.kind, c.label): c for c in sanders.channels.all()}
    assert channels["phone", "Washington, DC office"].value == "+12022245141"
    post = channels["post", "Washington, DC office"]
    assert post.value == "332 Dirksen Senate Office Building\nWASHINGTON, DC 20510\nUNITED STATES"
    assert post.postal_address["country_code"] == "US"
    assert post.postal_address["postal_code"] == "20510"
    assert channels["webform", ""].value == "https://www.sanders.senate.gov/contact/contact-form/"
    assert channels["webform", ""].char_limit is None
    assert channels["fax", "Burlington office"].value == "+18028606370"


def test_a_representative_has_a_district_and_an_at_large_seat_is_zero(db, congress):
    aderholt = Target.objects.get(external_id="bioguide:A000055")
    assert (aderholt.role, aderholt.region, aderholt.district) == ("Representative", "AL", 4)
    assert aderholt.salutation == "Dear Representative Aderholt"
    assert aderholt.channels.filter(kind="post").count() == 4  # DC and three district offices
    balint = Target.objects.get(external_id="bioguide:B001318")
    assert (balint.region, balint.district) == ("VT", 0)


def test_every_phone_and_fax_number_is_stored_in_e164(db, congress):
    numbers = Channel.objects.filter(kind__in=["phone", "fax"]).values_list("value", flat=True)
    assert len(numbers) > 1500
    assert all(re.fullmatch(r"\+1\d{10}", number) for number in numbers)


def test_without_a_source_the_shipped_files_are_read(db, congress, zips):
    output = run("import_congress")
    assert summary(output).endswith("0 created, 0 updated, 537 unchanged, 0 skipped, 0 closed.")
    assert ImportRun.objects.latest("started_at").source == str(LEGISLATORS_YAML)
    assert summary(run("import_zip_districts")).endswith("0 deleted.")


def test_running_the_congress_import_again_changes_nothing(db, congress):
    channel_count = Channel.objects.count()
    output = import_congress()
    assert summary(output).endswith("0 created, 0 updated, 537 unchanged, 0 skipped, 0 closed.")
    assert Channel.objects.count() == channel_count


def test_a_bad_phone_in_the_congress_file_is_skipped_and_the_import_goes_on(db, congress, tmp_path):
    broken = edited_copy(
        tmp_path,
        LEGISLATORS_YAML,
        lambda text: text.replace("phone: 202-224-5141", "phone: 555-12"),
    )
    output = import_congress(broken)
    assert summary(output).endswith("0 created, 1 updated, 536 unchanged, 0 skipped, 0 closed.")
    assert "bioguide:S000033: phone '555-12' is not a valid US number; left out" in output.stdout
    old = Channel.objects.get(target__external_id="bioguide:S000033", value="+12022245141")
    assert old.status == "closed"


def test_zip_import_loads_every_row_once(db, zips):
    assert summary(zips).endswith("42033 created, 0 updated, 0 unchanged, 0 skipped, 0 deleted.")
    assert ZipDistrict.objects.count() == 42033
    again = run("import_zip_districts", ZCCD_CSV)
    assert summary(again).endswith("0 created, 0 updated, 42033 unchanged, 0 skipped, 0 deleted.")
    assert ZipDistrict.objects.count() == 42033


def test_zip_import_deletes_rows_the_file_no_longer_has(db, zips, tmp_path):
    edited = edited_copy(
        tmp_path,
        ZCCD_CSV,
        lambda text: (
            text.replace("01,AL,35005,7\n", "").replace("01,AL,35004,3\n", "")
            + "50,VT,05999,0\nnot,a,row,x\n"
        ),
    )
    output = run("import_zip_districts", edited)
    assert summary(output).endswith("1 created, 0 updated, 42031 unchanged, 1 skipped, 2 deleted.")
    assert list(ZipDistrict.objects.filter(zcta="35005").values_list("district", flat=True)) == [6]
    assert ZipDistrict.objects.filter(zcta="05999", state="VT", district=0).exists()
