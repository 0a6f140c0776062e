"""How ``tests/data/catalog-0.1.0.json`` was made: a market of release 0.1.0 in use (listings,
owners, accounts with tokens, a broker's desk with stage history, notes and a contract), every
row of every table written out. The file is frozen: later releases upgrade a database holding
exactly these rows (``tests/test_migrations.py``). Run from the repository root at 0.1.0's
schema: ``python -m tests.support.make_release_fixture``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData

from seed_data import SEED_DIR
from service.accounts import Role
from service.composition import build_components
from service.config import Settings
from service.desk.contracts import ContractIn
from service.desk.stages import LostReason, Stage
from service.listings.schemas import Kind
from service.publishing.loader import import_file, seed_files

OUT = Path(__file__).parents[1] / "data" / "catalog-0.1.0.json"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        market = build_components(Settings(home=Path(home), embedding_model=""))
        market.catalog.create_schema()
        accounts = market.accounts
        broker = accounts.create_user("li-broker", "pw-0.1.0-broker", Role.broker, "达州技术市场")
        firm = accounts.create_user("dz-road", "pw-0.1.0-firm", Role.enterprise, "达州示例路桥")
        import_file(market.catalog, Kind.achievement, seed_files(SEED_DIR, Kind.achievement)[0])
        need_file = seed_files(SEED_DIR, Kind.need)[0]
        import_file(
            market.catalog, Kind.need, need_file, owner_id=firm.id, organisation="达州示例路桥"
        )
        accounts.create_user("sc-uni", "pw-0.1.0-uni", Role.university, "示例大学")
        accounts.create_token(broker.id, "script")
        accounts.create_token(firm.id)
        needs = [n.id for n in market.catalog.list(Kind.need, limit=3)[0]]
        achievements = [a.id for a in market.catalog.list(Kind.achievement, limit=3)[0]]
        desk = market.desk
        signed = desk.recommend(needs[0], achievements[0], broker, 0.91)
        for stage in (Stage.contacted, Stage.negotiating, Stage.signed):
            desk.move(signed.id, stage, broker)
        desk.add_note(signed.id, broker, "双方已就许可费用达成一致，下周签约。")
        contract = {
            "title": "技术许可合同",
            "contract_type": "license",
            "seller": "示例大学",
            "buyer": "达州示例路桥",
            "amount_wan": 60,
            "signed_on": "2026-01-15",
            "registration_no": "5117010000123",
            "registered_on": "2026-02-01",
        }
        desk.save_contract(signed.id, ContractIn.model_validate(contract), broker)
        desk.move(signed.id, Stage.registered, broker)
        lost = desk.recommend(needs[1], achievements[1], broker, 0.62)
        desk.move(lost.id, Stage.lost, broker, LostReason.price)
        desk.request_introduction(needs[2], achievements[2], firm)
        reflected = MetaData()
        reflected.reflect(market.catalog.engine)
        tables: dict[str, list[dict[str, Any]]] = {}
        with market.catalog.engine.connect() as conn:
            for name, table in sorted(reflected.tables.items()):
                if name == "alembic_version":
                    continue
                rows = conn.execute(table.select()).mappings()
                tables[name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
        market.close()
    OUT.write_text(json.dumps(tables, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(OUT, {k: len(v) for k, v in tables.items()})


if __name__ == "__main__":
    main()
