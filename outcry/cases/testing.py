"""Helpers for tests of cases: a case with texts, a timeline with sources, a protected record."""

from datetime import date

from outcry.cases.models import Case, CaseRecord, CaseText, Source, StatusChange


def make_case(
    *,
    campaign,
    summary: str = "16-year-old boy, brother in South Korea",
    summary_ko: str | None = "형이 한국에 사는 16세 소년",
    is_published: bool = True,
    **fields,
) -> Case:
    defaults = {"kind": Case.Kind.GROUP, "group_size": 10, "arrest_place": "Shenyang"}
    case = Case.objects.create(campaign=campaign, is_published=is_published, **(defaults | fields))
    CaseText.objects.create(case=case, language="en", summary=summary)
    if summary_ko:
        CaseText.objects.create(case=case, language="ko", summary=summary_ko)
    return case


def add_change(
    case: Case,
    *,
    status: str = StatusChange.Status.ARRESTED,
    on: date,
    confidence: str = StatusChange.Confidence.REPORTED,
    outlet: str = "Daily NK",
    url: str = "https://www.dailynk.com/",
) -> StatusChange:
    change = StatusChange.objects.create(
        case=case, status=status, happened_on=on, confidence=confidence
    )
    Source.objects.create(change=change, outlet=outlet, url=url, published_on=on)
    return change


def add_record(case: Case, **fields) -> CaseRecord:
    defaults = {
        "real_names": "SECRET-NAME Kim",
        "exact_place": "SECRET-PLACE cell 4",
        "family_contacts": "SECRET-CONTACT +82 10-0000-9999",
    }
    return CaseRecord.objects.create(case=case, **(defaults | fields))
