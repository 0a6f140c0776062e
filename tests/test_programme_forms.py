"""Programme forms that say what happened and offer the next step (#25 item 5): seats left in
an event registration's message, the challenge stage select on the next stage, the 揭榜 form
replaced by the application once made, the review score's scale."""

from __future__ import annotations

import pytest

from service import clock
from service.accounts import Role
from service.composition import Components
from service.programmes.challenges.views import ApplicationIn, ChallengeIn, ChallengeStage
from service.programmes.events.service import EventIn
from tests.desk_support import login, make_user
from tests.pages import page_client
from tests.test_challenges_api import APPLICATION, challenge_body
from web.programmes.challenges import next_stages
from web.programmes.events import registration_state

pytestmark = pytest.mark.anyio


def test_a_waitlisted_registration_says_how_many_seats_were_left() -> None:
    assert registration_state(3, 2, True) == (
        "报名 3 人，超过剩余的 2 个名额，已进入候补名单；改报 2 人以内即可确认"
    )
    assert registration_state(2, 0, True) == "名额已满，2 人已进入候补名单"
    assert registration_state(2, 5, False) == "报名成功（2 人）"


async def test_the_event_page_and_message_count_the_seats(seeded_market: Components) -> None:
    broker = make_user(seeded_market, Role.broker)
    event = seeded_market.events.create(
        EventIn(title="路演：智能制造", kind="路演", date=clock.today(), place="达州",
                capacity=2),
        [], broker,
    )  # fmt: skip
    async with page_client(seeded_market) as client:
        token = await login(client, make_user(seeded_market, Role.enterprise))
        form_page = (await client.get(f"/events/{event.id}")).text
        assert "剩余名额 2 个" in form_page
        form = {"csrf_token": token, "attendees": "3", "contact": "张工 138"}
        r = await client.post(f"/events/{event.id}/register", data=form, follow_redirects=True)
    assert "超过剩余的 2 个名额，已进入候补名单" in r.text
    assert "名额已满" not in r.text


def test_the_stage_select_starts_at_the_next_stage() -> None:
    published, review = ChallengeStage.published, ChallengeStage.review
    assert next_stages(published, False) == [ChallengeStage.open, ChallengeStage.review]
    assert next_stages(review, False) == []  # 已立项 comes from selecting an applicant
    assert next_stages(ChallengeStage.selected, True) == [ChallengeStage.accepted]
    assert next_stages(ChallengeStage.accepted, True) == []


async def test_the_challenge_page_after_applying_and_scoring(seeded_market: Components) -> None:
    admin = make_user(seeded_market, Role.admin)
    challenge = seeded_market.challenges.create(ChallengeIn(**challenge_body()), admin)
    university = make_user(seeded_market, Role.university, "u-apply")
    async with page_client(seeded_market) as client:
        token = await login(client, admin)
        page = (await client.get(f"/challenges/{challenge.id}")).text
        assert '<option value="open" selected>报名中</option>' in page
        assert '<option value="published"' not in page
        r = await client.post(
            f"/challenges/{challenge.id}/manage",
            data={"csrf_token": token, "action": "stage", "stage": "open"},
            follow_redirects=True,
        )
        assert 'id="stage">报名中</span>' in r.text and "flash-error" not in r.text
    application = seeded_market.challenges.apply(
        challenge.id, ApplicationIn(**APPLICATION), university
    )
    seeded_market.challenges.score(application.id, 88, "方案扎实", admin)
    async with page_client(seeded_market) as client:
        await login(client, university)
        page = (await client.get(f"/challenges/{challenge.id}")).text
    assert 'id="applied"' in page and 'action="/challenges/' not in page  # no 揭榜 form
    assert "张教授团队（5人）" in page  # the application itself is shown
    assert "<strong>88</strong> / 100 分" in page
