"""The broker desk's service layer: stage rules, history, notes, contracts, CSV, contacts, queue."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pydantic import ValidationError

from service.accounts import Role
from service.composition import Components
from service.desk.contracts import ContractIn, field_errors
from service.desk.errors import (
    DeskConflictError,
    DeskInputError,
    DeskNotFoundError,
    DeskPermissionError,
)
from service.desk.export import BOM, HEADER
from service.desk.rules import TRANSITIONS
from service.desk.stages import PIPELINE, LostReason, Stage
from service.desk.store import Desk
from service.listings.schemas import Kind
from tests.desk_support import ACHIEVEMENT, NEED, OTHER_ACHIEVEMENT, make_user, own

CONTRACT = {
    "title": "玄武岩纤维复合筋技术许可合同",
    "contract_type": "license",
    "seller": "示例大学",
    "buyer": "达州示例路桥工程有限公司",
    "amount_wan": 60,
    "signed_on": "2026-01-15",
}


@pytest.fixture()
def desk(seeded_market: Components) -> Desk:
    return seeded_market.desk


def to_signed(market: Components, achievement: str = ACHIEVEMENT) -> int:
    broker = make_user(market, Role.broker)
    match = market.desk.recommend(NEED, achievement, broker, 0.9)
    for stage in (Stage.contacted, Stage.negotiating, Stage.signed):
        market.desk.move(match.id, stage, broker)
    return match.id


def test_the_pipeline_writes_history_for_every_move(seeded_market: Components, desk: Desk) -> None:
    broker = make_user(seeded_market, Role.broker)
    match = desk.shortlist(NEED, ACHIEVEMENT, broker, score=0.91)
    assert match.stage is Stage.shortlisted and match.introduced_at is None
    path = [*PIPELINE[:-1]]
    for stage in path:
        match = desk.move(match.id, stage, broker)
        if stage is Stage.contacted:
            introduced = match.introduced_at
            assert introduced is not None
    assert match.stage is Stage.signed and match.introduced_at == introduced
    assert match.broker_id == broker.id and match.score == pytest.approx(0.91)
    history = desk.history(match.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, Stage.shortlisted),
        (Stage.shortlisted, Stage.recommended),
        (Stage.recommended, Stage.contacted),
        (Stage.contacted, Stage.negotiating),
        (Stage.negotiating, Stage.signed),
    ]
    assert {h.user_id for h in history} == {broker.id}
    assert history[0].user_name == broker.display_name


def test_moves_skip_no_stage_and_say_what_is_allowed(seeded_market: Components, desk: Desk) -> None:
    broker = make_user(seeded_market, Role.broker)
    match = desk.recommend(NEED, ACHIEVEMENT, broker)
    with pytest.raises(DeskConflictError, match="可选：已联系、未成"):
        desk.move(match.id, Stage.negotiating, broker)
    with pytest.raises(DeskConflictError, match="已处于"):
        desk.move(match.id, Stage.recommended, broker)
    with pytest.raises(DeskConflictError):
        desk.move(match.id, Stage.shortlisted, broker)
    with pytest.raises(DeskNotFoundError):
        desk.move(9999, Stage.contacted, broker)
    assert len(desk.history(match.id)) == 1  # refused moves leave no trace
    assert TRANSITIONS[Stage.registered] == ()
    assert all(Stage.lost in TRANSITIONS[s] for s in PIPELINE[:-1])


def test_only_brokers_move_and_note(seeded_market: Components, desk: Desk) -> None:
    broker = make_user(seeded_market, Role.broker)
    match = desk.recommend(NEED, ACHIEVEMENT, broker)
    enterprise = make_user(seeded_market, Role.enterprise)
    with pytest.raises(DeskPermissionError):
        desk.move(match.id, Stage.contacted, enterprise)
    with pytest.raises(DeskPermissionError):
        desk.add_note(match.id, enterprise, "你好")
    with pytest.raises(DeskPermissionError):
        desk.shortlist(NEED, OTHER_ACHIEVEMENT, enterprise)


def test_lost_needs_a_reason_and_only_lost_takes_one(seeded_market: Components, desk: Desk) -> None:
    broker = make_user(seeded_market, Role.broker)
    match = desk.recommend(NEED, ACHIEVEMENT, broker)
    with pytest.raises(DeskInputError) as missing:
        desk.move(match.id, Stage.lost, broker)
    assert missing.value.field == "reason"
    with pytest.raises(DeskInputError) as extra:
        desk.move(match.id, Stage.contacted, broker, LostReason.price)
    assert extra.value.field == "reason"
    lost = desk.move(match.id, Stage.lost, broker, LostReason.mismatch)
    assert lost.stage is Stage.lost and lost.lost_reason is LostReason.mismatch
    assert desk.history(match.id)[-1].reason is LostReason.mismatch
    reopened = desk.move(match.id, Stage.recommended, broker)
    assert reopened.lost_reason is None


def test_contracts_only_when_signed_and_registration_needs_its_number(
    seeded_market: Components, desk: Desk
) -> None:
    broker = make_user(seeded_market, Role.broker)
    early = desk.recommend(NEED, OTHER_ACHIEVEMENT, broker)
    with pytest.raises(DeskConflictError, match="签约"):
        desk.save_contract(early.id, ContractIn.model_validate(CONTRACT), broker)
    match_id = to_signed(seeded_market)
    saved = desk.save_contract(match_id, ContractIn.model_validate(CONTRACT), broker)
    assert saved.amount_wan == 60 and saved.need_id == NEED and saved.stage is Stage.signed
    with pytest.raises(DeskConflictError, match="登记号"):
        desk.move(match_id, Stage.registered, broker)
    numbered = {**CONTRACT, "registration_no": "5117010000123", "registered_on": "2026-02-01"}
    desk.save_contract(match_id, ContractIn.model_validate(numbered), broker)
    assert desk.move(match_id, Stage.registered, broker).stage is Stage.registered
    with pytest.raises(DeskInputError) as kept:
        desk.save_contract(match_id, ContractIn.model_validate(CONTRACT), broker)
    assert kept.value.field == "registration_no"
    contract = desk.contract(match_id)
    assert contract is not None and contract.registration_no == "5117010000123"


def test_contract_validation_names_each_field() -> None:
    bad = {
        **CONTRACT,
        "title": "  ",
        "contract_type": "gift",
        "amount_wan": -5,
        "signed_on": "2026-13-01",
        "registered_on": "2026-02-01",
    }
    with pytest.raises(ValidationError) as exc:
        ContractIn.model_validate(bad)
    errors = field_errors(exc.value)
    assert set(errors) == {"title", "contract_type", "amount_wan", "signed_on", "registered_on"}
    assert errors["title"] == "必填" and errors["amount_wan"] == "不能小于 0"
    assert "登记号" in errors["registered_on"]
    early = {**CONTRACT, "registration_no": "X-1", "registered_on": "2026-01-01"}
    with pytest.raises(ValidationError) as order:
        ContractIn.model_validate(early)
    assert field_errors(order.value) == {"registered_on": "登记日期不能早于签订日期"}
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    with pytest.raises(ValidationError) as later:
        ContractIn.model_validate({**CONTRACT, "signed_on": future})
    assert set(field_errors(later.value)) == {"signed_on"}
    blank = ContractIn.model_validate({**CONTRACT, "registration_no": " ", "registered_on": ""})
    assert blank.registration_no is None and blank.registered_on is None


def test_notes_keep_their_author(seeded_market: Components, desk: Desk) -> None:
    first = make_user(seeded_market, Role.broker, "broker-a")
    second = make_user(seeded_market, Role.admin, "admin-b")
    match = desk.recommend(NEED, ACHIEVEMENT, first)
    desk.add_note(match.id, first, "  已电话联系企业技术负责人  ")
    desk.add_note(match.id, second, "对方希望先看中试报告")
    notes = desk.notes(match.id)
    assert [(n.author_id, n.author_name, n.body) for n in notes] == [
        (first.id, first.display_name, "已电话联系企业技术负责人"),
        (second.id, second.display_name, "对方希望先看中试报告"),
    ]
    for body in ("   ", "字" * 2001):
        with pytest.raises(DeskInputError) as exc:
            desk.add_note(match.id, first, body)
        assert exc.value.field == "body"
    assert len(desk.notes(match.id)) == 2
    with pytest.raises(DeskNotFoundError):
        desk.add_note(9999, first, "无此对接")


def test_deals_csv_opens_in_excel(seeded_market: Components, desk: Desk) -> None:
    broker = make_user(seeded_market, Role.broker)
    match_id = to_signed(seeded_market)
    desk.save_contract(
        match_id,
        ContractIn.model_validate({**CONTRACT, "title": "=HYPERLINK(1)", "amount_wan": 12.5}),
        broker,
    )
    text = desk.deals_csv()
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert tuple(rows[0]) == HEADER and rows[0][2] == "卖方(受托方/让与方)"
    assert rows[1] == [
        "'=HYPERLINK(1)",
        "技术许可",
        "示例大学",
        "达州示例路桥工程有限公司",
        "12.5",
        "2026-01-15",
        "",
        "",
        NEED,
        ACHIEVEMENT,
    ]
    assert len(rows) == 2


def test_requests_need_an_owner_and_published_listings(
    seeded_market: Components, desk: Desk
) -> None:
    enterprise = make_user(seeded_market, Role.enterprise)
    stranger = make_user(seeded_market, Role.university, "stranger")
    own(seeded_market, enterprise, Kind.need, NEED)
    with pytest.raises(DeskPermissionError):
        desk.request_introduction(NEED, ACHIEVEMENT, stranger)
    match, created = desk.request_introduction(NEED, ACHIEVEMENT, enterprise)
    assert created and match.stage is Stage.requested and match.requested_by == enterprise.id
    again, created = desk.request_introduction(NEED, ACHIEVEMENT, enterprise)
    assert not created and again.id == match.id
    assert [h.to_stage for h in desk.history(match.id)] == [Stage.requested]
    with pytest.raises(DeskNotFoundError):
        desk.request_introduction(NEED, "A-NOPE", enterprise)
    seeded_market.catalog.patch(Kind.need, NEED, {"status": "withdrawn"})
    with pytest.raises(DeskNotFoundError, match="未发布"):
        desk.request_introduction(NEED, OTHER_ACHIEVEMENT, enterprise)
    broker = make_user(seeded_market, Role.broker)
    _, created = desk.request_introduction("N2002", ACHIEVEMENT, broker)
    assert created


def test_contacts_show_to_the_other_side_once_introduced(
    seeded_market: Components, desk: Desk
) -> None:
    enterprise = make_user(seeded_market, Role.enterprise)
    university = make_user(seeded_market, Role.university)
    outsider = make_user(seeded_market, Role.enterprise, "outsider")
    broker = make_user(seeded_market, Role.broker)
    own(seeded_market, enterprise, Kind.need, NEED)
    own(seeded_market, university, Kind.achievement, ACHIEVEMENT)
    own(seeded_market, outsider, Kind.need, "N2002")
    see = desk.can_see_contact
    assert not see(None, Kind.achievement, ACHIEVEMENT)
    assert see(broker, Kind.achievement, ACHIEVEMENT) and see(broker, Kind.need, NEED)
    assert see(university, Kind.achievement, ACHIEVEMENT) and see(enterprise, Kind.need, NEED)
    assert not see(enterprise, Kind.achievement, ACHIEVEMENT)
    match = desk.recommend(NEED, ACHIEVEMENT, broker)
    assert not see(enterprise, Kind.achievement, ACHIEVEMENT)  # recommended is not introduced
    desk.move(match.id, Stage.contacted, broker)
    assert see(enterprise, Kind.achievement, ACHIEVEMENT)
    assert see(university, Kind.need, NEED)
    assert not see(outsider, Kind.achievement, ACHIEVEMENT)
    assert not see(enterprise, Kind.achievement, OTHER_ACHIEVEMENT)
    desk.move(match.id, Stage.lost, broker, LostReason.price)
    assert not see(enterprise, Kind.achievement, ACHIEVEMENT)


def test_queue_puts_requests_first_and_skips_pairs_on_the_desk(
    seeded_market: Components, desk: Desk
) -> None:
    enterprise = make_user(seeded_market, Role.enterprise)
    broker = make_user(seeded_market, Role.broker)
    own(seeded_market, enterprise, Kind.need, "N2010")
    requested, _ = desk.request_introduction("N2010", ACHIEVEMENT, enterprise)
    before = seeded_market.queue.items(12)
    computed = [i for i in before if i.match_id is None]
    assert computed, "the seed should give strong matches"
    top = computed[0]
    desk.dismiss(top.need.id, top.achievement.id, broker, top.score)
    desk.shortlist(computed[1].need.id, computed[1].achievement.id, broker)
    queue = seeded_market.queue.items(12)
    assert queue[0].match_id == requested.id and queue[0].stage is Stage.requested
    assert queue[0].requested_by_name == enterprise.display_name
    pairs = [(i.need.id, i.achievement.id) for i in queue[1:]]
    assert (top.need.id, top.achievement.id) not in pairs
    assert (computed[1].need.id, computed[1].achievement.id) not in pairs
    assert all(i.match_id is None and i.tier == "strong" for i in queue[1:])
    assert all(i.probability is not None for i in queue[1:])
    assert all(i.explanation for i in queue)
    assert len(seeded_market.queue.items(3)) == 3
