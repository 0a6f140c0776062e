import pytest
from pydantic import ValidationError

from service.listings.schemas import AchievementIn, AchievementPatch, Maturity, NeedIn

GOOD_NEED = {
    "title": "离心玻璃棉毡发黄掉渣",
    "description": "冬季生产的玻璃棉毡颜色发黄，手摸掉渣，客户投诉多，希望找到改进固化工艺的团队。",
    "enterprise": "达州示例玻纤制品有限公司",
    "field": "materials.glass_fiber",
    "region": "大竹县",
}


def errors_by_field(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


def test_valid_need_defaults() -> None:
    need = NeedIn.model_validate(GOOD_NEED)
    assert need.status.value == "published"
    assert need.cooperation_modes == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"field": "materials.nope"}, "field"),
        ({"region": "火星"}, "region"),
        ({"budget_wan": -5}, "budget_wan"),
        ({"title": "长" * 101}, "title"),
        ({"description": "字" * 5001}, "description"),
        ({"deadline": "2027-13-40"}, "deadline"),
        ({"cooperation_modes": ["barter"]}, "cooperation_modes.0"),
        ({"required_maturity": "idea"}, "required_maturity"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_need_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        NeedIn.model_validate({**GOOD_NEED, **change})
    assert field in errors_by_field(info.value)


def test_required_fields_of_achievement() -> None:
    with pytest.raises(ValidationError) as info:
        AchievementIn.model_validate({})
    assert {"title", "summary", "institution", "field", "maturity"} <= errors_by_field(info.value)


def test_patch_model_has_every_field_optional_but_still_checks() -> None:
    assert AchievementPatch.model_validate({}).model_dump(exclude_unset=True) == {}
    with pytest.raises(ValidationError):
        AchievementPatch.model_validate({"price_wan": -1})


def test_maturity_order() -> None:
    assert [m.rank for m in Maturity] == [0, 1, 2, 3]
    assert Maturity.pilot.label == "中试"
