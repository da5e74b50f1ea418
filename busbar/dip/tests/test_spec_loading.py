"""The specification is read from the folder the setting names: a missing setting or file is a clear
error naming the setting and where to get the files; a good folder gives the response codes with their
meanings and the interfaces with their event codes."""

from __future__ import annotations

import shutil

import pytest

from busbar.dip import spec


def test_missing_setting_names_it_and_where_to_get_the_files(settings) -> None:
    settings.BUSBAR_DIP_SPEC_DIR = ""
    with pytest.raises(spec.SpecMissing) as caught:
        spec.load()
    assert "BUSBAR_DIP_SPEC_DIR" in str(caught.value)
    assert "github.com/elexon-data/dip-api-documentation" in str(caught.value)


def test_a_folder_lacking_a_file_names_it(settings, tmp_path, spec_folder) -> None:
    for name in spec.FILES[:-1]:
        shutil.copy(spec_folder / name, tmp_path / name)
    settings.BUSBAR_DIP_SPEC_DIR = str(tmp_path)
    with pytest.raises(spec.SpecMissing, match=f"lacks {spec.FILES[-1]}"):
        spec.load()


def test_response_codes_and_interfaces_come_from_the_files(settings, spec_folder) -> None:
    settings.BUSBAR_DIP_SPEC_DIR = str(spec_folder)
    loaded = spec.load()
    assert loaded is spec.load(spec_folder)  # read once per folder
    codes = loaded.response_codes
    assert codes["MSG0000"] == "Success" and codes["MSG1001"] == "Schema Failure"
    for code in ("MSG1002", "MSG1006", "MSG1007", "MSG1009", "MSG1010", "MSG1037", "MSG1038"):
        assert code in codes and codes[code]
    assert len(codes) > 100  # the recipients' RCP/REG/ECS codes too
    assert "IF-021" in loaded.interfaces and loaded.interfaces["IF-021"]
    assert all(name.startswith(("IF-", "REP-")) for name in loaded.interfaces)
    assert loaded.has_schema("Interfaces-EventCodes-unresolved.yaml", "IF-021-Payload")
