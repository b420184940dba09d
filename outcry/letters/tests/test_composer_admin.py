"""Organisers see how many letters their actions brought, and how many were personalised."""

import html

from django.urls import reverse

from outcry.directory.testing import make_target
from outcry.testing import (
    letter_form,
    make_campaign,
    make_letter_action,
    make_organisation,
    make_organiser,
)


def test_the_action_page_counts_letters_personalised_and_deliveries(client, db):
    organisation = make_organisation(name="Alpha Rights")
    embassy = make_target(name="Embassy", channels={"email": "e@example.cn", "fax": "+12024952138"})
    action = make_letter_action(
        campaign=make_campaign(lead=organisation), selection="choose", targets=[embassy]
    )
    editable = action.templates.get(language="en").paragraphs.get(kind="editable")
    url = reverse("letters:compose", args=[action.slug])
    for n, words in enumerate([None, None, "My own words, please let them go."]):
        edits = {f"e_{editable.pk}": words} if words else {}
        form = letter_form(
            action, targets=[embassy], channels=("email", "fax"), email=f"s{n}@example.org", **edits
        )
        assert client.post(url, form).status_code == 302

    client.force_login(make_organiser(organisation=organisation))
    listing = html.unescape(
        client.get(reverse("admin:letters_letteraction_changelist")).content.decode()
    )
    assert "Write to the Chinese embassy" in listing  # the title, not the slug
    content = html.unescape(
        client.get(reverse("admin:letters_letteraction_change", args=[action.pk])).content.decode()
    )
    assert "Letters written: 3" in content
    assert "Personalised by the supporter: 1 (33 %)" in content
    waiting = "waiting for the writer to confirm"  # nobody opened the emailed links
    assert f"<tr><td>email</td><td>{waiting}</td><td>3</td></tr>" in content
    assert f"<tr><td>fax</td><td>{waiting}</td><td>3</td></tr>" in content
    template = action.templates.get(language="en")
    template_page = client.get(reverse("admin:letters_lettertemplate_change", args=[template.pk]))
    assert template_page.status_code == 200
    assert editable.text in html.unescape(template_page.content.decode())


def test_organisers_of_another_organisation_do_not_see_the_action(client, db):
    action = make_letter_action(campaign=make_campaign(lead=make_organisation(name="Alpha")))
    client.force_login(make_organiser(organisation=make_organisation(name="Beta")))
    listing = client.get(reverse("admin:letters_letteraction_changelist")).content.decode()
    assert action.slug not in listing
    page = client.get(reverse("admin:letters_letteraction_change", args=[action.pk]))
    assert page.status_code == 302  # the admin sends you back: no such action for you
