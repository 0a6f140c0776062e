from pathlib import Path

from service.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`TECHMATCH_{name.upper()}`" not in text]
    assert missing == []
