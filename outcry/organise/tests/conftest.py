from datetime import timedelta

import pytest
from django.utils import timezone

from outcry.directory.testing import make_target, make_target_list
from outcry.organise.forms import site_address
from outcry.testing import send_from_a_real_domain


@pytest.fixture(autouse=True)
def sending_domain(settings):
    send_from_a_real_domain(settings)


@pytest.fixture
def shared_list(db):
    """A list of China's missions every organisation may write to."""
    return make_target_list(
        name="China's missions",
        targets=[
            make_target(
                name="Embassy of China in Seoul", country="KR", channels={"email": "e@x.cn"}
            )
        ],
    )


def future(days: int = 30) -> str:
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def story_data(**overrides) -> dict:
    data = {
        "languages": ["en", "ko"],
        "en-title": "Stop the forced return",
        "en-summary": "Sixty refugees face return.",
        "en-story": "They were **arrested** last week.",
        "ko-title": "강제 북송을 멈춰라",
        "ko-summary": "탈북민 60명이 북송 위기에 있습니다.",
        "ko-story": "지난주 **체포**되었습니다.",
        "deadline": future(),
        "time_zone": "Asia/Seoul",
        "goal": "5000",
        "go": "next",
    }
    data.update(overrides)
    return data


def petition_data(**overrides) -> dict:
    data = {
        "en-title": "Protect the refugees",
        "en-addressee": "President Xi Jinping",
        "en-text": "Do not send them back.",
        "ko-title": "난민을 보호하라",
        "ko-addressee": "시진핑 주석",
        "ko-text": "그들을 돌려보내지 마십시오.",
        "go": "next",
    }
    data.update(overrides)
    return data


def letter_data(target_list, **overrides) -> dict:
    data = {
        "represents": "CN",
        "target_list": target_list.pk,
        "selection": "nearest_mission",
        "channels": ["email", "post"],
        "sender_email": site_address(),
        "en-title": "Write to the Chinese embassy",
        "en-subject": "Do not send the refugees back",
        "en-paragraphs": (
            "{salutation}\n\nPlease do not send them back.\n\nThank you, {supporter_name}"
        ),
        "ko-title": "중국 대사관에 편지를 보내세요",
        "ko-subject": "난민을 돌려보내지 마십시오",
        "ko-paragraphs": "{salutation}\n\n그들을 돌려보내지 마십시오.",
        "go": "next",
    }
    data.update(overrides)
    return data
