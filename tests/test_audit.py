"""The audit trail: listing writes (API, pages, import, CLI) and desk stage moves, readable by
admins only, as a page in Beijing time, as JSON and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from service.accounts import Role
from service.audit import AuditAction
from service.composition import Components
from service.desk.stages import LostReason, Stage
from service.listings.schemas import Kind
from tests.desk_support import ACHIEVEMENT, NEED, api_client, make_user
from tests.pages import page_client, sign_in
from tests.test_api import NEED as NEED_BODY

pytestmark = pytest.mark.anyio


async def test_every_write_and_stage_move_is_recorded_and_admins_read_it(
    seeded_market: Components, tmp_path: Path
) -> None:
    market = seeded_market
    market.catalog.create_schema()
    enterprise = make_user(market, Role.enterprise, "audit-ent")
    broker = make_user(market, Role.broker, "audit-broker")
    admin = make_user(market, Role.admin, "audit-admin")
    university = make_user(market, Role.university, "audit-uni")
    async with api_client(market, enterprise) as client:
        need_id = (await client.post("/api/needs", json=NEED_BODY)).json()["id"]
        await client.patch(f"/api/needs/{need_id}", json={"budget_wan": 80})
        await client.patch(f"/api/needs/{need_id}", json={"budget_wan": 80})  # no change
        await client.patch(f"/api/needs/{need_id}", json={"status": "withdrawn"})
    path = tmp_path / "rows.csv"
    path.write_text(
        "id,title,summary,institution,field,maturity\n"
        "AUD1,秸秆缓释肥,以农作物秸秆为载体制备缓释肥料，肥效期九十天以上。,甲,agriculture,pilot\n",
        encoding="utf-8",
    )
    market.listings.import_file(Kind.achievement, path, university, "成果库.csv")
    pair = market.desk.recommend(NEED, ACHIEVEMENT, broker)
    market.desk.move(pair.id, Stage.lost, broker, LostReason.price)

    events, total = market.audit.page(1, 50)
    assert total == len(events) == 6  # the patch that changed nothing left no event
    assert [(e.action, e.listing_id or e.match_id, e.actor_name) for e in events] == [
        (AuditAction.stage, pair.id, broker.display_name),
        (AuditAction.stage, pair.id, broker.display_name),
        (AuditAction.imported, "AUD1", university.display_name),
        (AuditAction.withdrawn, need_id, enterprise.display_name),
        (AuditAction.updated, need_id, enterprise.display_name),
        (AuditAction.created, need_id, enterprise.display_name),
    ]
    by_action = {e.action: e for e in events}
    assert set(by_action) == {
        AuditAction.created, AuditAction.updated, AuditAction.withdrawn,
        AuditAction.imported, AuditAction.stage,
    }  # fmt: skip
    assert by_action[AuditAction.updated].detail == "budget_wan"
    assert by_action[AuditAction.imported].detail == "成果库.csv"
    assert events[0].detail == "推荐 → 未成（原因：价格）"
    assert events[0].need_id == NEED and events[0].achievement_id == ACHIEVEMENT
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)

    async with api_client(market, broker) as client:
        assert (await client.get("/api/admin/audit")).status_code == 403
    async with api_client(market, None) as client:
        assert (await client.get("/api/admin/audit")).status_code == 401
        assert (await client.get("/api/admin/audit.csv")).status_code == 401
    async with api_client(market, admin) as client:
        page = (await client.get("/api/admin/audit", params={"page_size": 2})).json()
        assert page["total"] == 6 and len(page["items"]) == 2
        assert page["items"][0]["at"].endswith("+00:00")
        mine = (await client.get("/api/admin/audit", params={"listing_id": need_id})).json()
        assert mine["total"] == 3
        exported = await client.get("/api/admin/audit.csv")
        assert exported.status_code == 200 and exported.text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert rows[0][0] == "时间(北京时间)" and len(rows) == 7
        assert {r[2] for r in rows[1:]} >= {"发布", "修改", "撤回", "批量导入", "对接阶段变更"}

    async with page_client(market) as browser:
        await sign_in(browser, market, "audit-admin", Role.admin)
        html = (await browser.get("/admin/audit")).text
        shown = events[0].at.replace(tzinfo=dt.UTC)
        beijing = shown.astimezone(ZoneInfo("Asia/Shanghai"))
        assert "操作记录" in html and beijing.strftime("%Y-%m-%d %H:%M:%S") in html
        assert f'href="/needs/{need_id}"' in html and "推荐 → 未成" in html
    async with page_client(market) as browser:
        await sign_in(browser, market, "audit-broker", Role.broker)
        assert (await browser.get("/admin/audit")).status_code == 403


async def test_withdrawing_from_the_page_records_who(seeded_market: Components) -> None:
    async with page_client(seeded_market) as browser:
        token = await sign_in(browser, seeded_market, "ent-page", Role.enterprise, "示例公司")
        form = {
            **{k: str(v) for k, v in NEED_BODY.items() if not isinstance(v, list)},
            "action": "publish",
            "csrf_token": token,
        }
        r = await browser.post("/needs/new", data=form)
        need_id = r.headers["location"].rsplit("/", 1)[-1]
        await browser.post(f"/needs/{need_id}/withdraw", data={"csrf_token": token})
    events, _ = seeded_market.audit.page(1, 10, need_id)
    assert [(e.action, e.actor_name) for e in events] == [
        (AuditAction.withdrawn, "ent-page"),
        (AuditAction.created, "ent-page"),
    ]
