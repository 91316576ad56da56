"""Roster loading (OneRoster CSV -> LTI identities) and configuration of the mock e-portal."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol import vocab
from renkei.mocks.eportal import EportalConfig, RosterError, ToolRegistration, create_app, load_bundle
from renkei.mocks.eportal.__main__ import build_parser, config_from_args, main
from tests.mocks.eportal.eportal_support import CLASS1, STUDENT1, TEACHER, USERS, bundle_files, write_bundle

TOOL = {"client_id": "app", "deployment_ids": ["d1"], "login_url": "https://t.test/login",
        "redirect_uris": ["https://t.test/launch"], "target_link_uri": "https://t.test/launch",
        "jwks_url": "https://t.test/jwks"}


def test_load_zip_bundle_maps_identities(bundle: Path) -> None:
    roster = load_bundle(bundle)
    assert roster.users["u-s1"].sub == STUDENT1 and roster.users["u-s3"].sub == "u-s3"
    assert roster.find_user("seito01") is roster.users["u-s1"] and roster.find_user(TEACHER).sourced_id == "u-teacher"
    assert roster.users["u-s1"].name == "試験 一郎"
    assert roster.users["u-off"].enabled is False
    assert roster.context_roles(roster.users["u-teacher"], CLASS1) == [vocab.ROLE_INSTRUCTOR]
    assert roster.users["u-s1"].institution_roles == [vocab.ROLE_INST_STUDENT]
    assert len(roster.members(CLASS1)) == 5


def test_load_folder_bundle_with_bom_and_roles(tmp_path: Path) -> None:
    files = bundle_files()
    files["roles.csv"] = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId\r\n"
                          "r1,active,2026-04-01,u-teacher,primary,principal,org-1\r\n")
    for name, text in files.items():
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    roster = load_bundle(tmp_path)
    assert roster.users["u-teacher"].institution_roles == [vocab.ROLE_INST_ADMIN]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.pop("orgs.csv"), "missing orgs.csv"),
        (lambda f: f.update({"users.csv": f["users.csv"].replace("u-s2,active", ",active")}), "row 4: field 'sourcedId'"),
        (lambda f: f.update({"enrollments.csv": f["enrollments.csv"].replace(",u-s2,", ",ghost,")}),
         "enrollments.csv: row 4: field 'userSourcedId'"),
        (lambda f: f.update({"enrollments.csv": f["enrollments.csv"].replace("class-1b,", "class-9,")}),
         "field 'classSourcedId'"),
        (lambda f: f.update({"users.csv": f["users.csv"].replace(STUDENT1, TEACHER)}), "userMasterIdentifier"),
        (lambda f: f.update({"users.csv": ""}), "users.csv: empty file"),
        (lambda f: f.update({"classes.csv": f["classes.csv"] + "x,a,b,c,d,e,f,g\r\n"}), "more fields"),
    ],
)
def test_bad_bundles_name_file_row_field(tmp_path: Path, mutate, message: str) -> None:
    files = bundle_files()
    mutate(files)
    with pytest.raises(RosterError, match=message):
        load_bundle(write_bundle(tmp_path / "bad.zip", files))


def test_non_zip_non_utf8_and_missing(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_text("not a zip")
    with pytest.raises(RosterError, match="not a zip"):
        load_bundle(tmp_path / "x.zip")
    with pytest.raises(RosterError, match="does not exist"):
        load_bundle(tmp_path / "none.zip")
    files = bundle_files()
    with zipfile.ZipFile(tmp_path / "sjis.zip", "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("cp932"))
    with pytest.raises(RosterError, match="not UTF-8"):
        load_bundle(tmp_path / "sjis.zip")


def test_users_fixture_is_generated_people_only() -> None:
    assert all(u[5] == "" or u[5].endswith("@example.test") for u in USERS)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"client_id": ""}, "client_id"), ({"deployment_ids": []}, "deployment_ids"),
     ({"deployment_ids": "d1"}, "deployment_ids"), ({"redirect_uris": []}, "redirect_uris"),
     ({"login_url": "ftp://x"}, "login_url"), ({"jwks": {"keys": []}}, "exactly one"),
     ({"jwks_url": None}, "exactly one"), ({"custom": {"a": 1}}, "custom")],
)
def test_tool_registration_validation(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ToolRegistration(**(TOOL | change))


def test_eportal_config_validation(bundle: Path) -> None:
    tool = ToolRegistration(**TOOL)
    assert EportalConfig(issuer="https://p.test/", tools=[tool]).issuer == "https://p.test"
    with pytest.raises(ConfigError, match="unknown fault"):
        EportalConfig(issuer="https://p.test", tools=[tool], faults={"nope"})
    with pytest.raises(ConfigError, match="query or fragment"):
        EportalConfig(issuer="https://p.test/?a=1", tools=[tool])
    with pytest.raises(ConfigError, match="twice"):
        EportalConfig(issuer="https://p.test", tools=[tool, ToolRegistration(**TOOL)])
    with pytest.raises(ConfigError, match="roster bundle"):
        create_app(EportalConfig(issuer="https://p.test", tools=[tool]))


def test_config_file_roundtrip_and_errors(tmp_path: Path, bundle: Path) -> None:
    path = tmp_path / "eportal.yaml"
    path.write_text(json.dumps({"issuer": "https://p.test", "bundle": bundle.name, "faults": ["no_nonce"],
                                "tools": [TOOL]}))
    (tmp_path / bundle.name).write_bytes(bundle.read_bytes())
    config = EportalConfig.from_file(path)
    assert config.bundle == tmp_path / bundle.name and config.faults == {"no_nonce"}
    path.write_text(json.dumps({"issuer": "https://p.test", "tools": [TOOL | {"colour": "red"}]}))
    with pytest.raises(ConfigError, match=r"tools\[0\].*colour"):
        EportalConfig.from_file(path)
    path.write_text(json.dumps({"tools": [TOOL]}))
    with pytest.raises(ConfigError, match="'issuer' is required"):
        EportalConfig.from_file(path)
    path.write_text("tools: [")
    with pytest.raises(ConfigError, match="not valid YAML"):
        EportalConfig.from_file(path)


def test_command_line(tmp_path: Path, bundle: Path, capsys) -> None:
    args = build_parser().parse_args(["--bundle", str(bundle), "--tool", "http://127.0.0.1:9/", "--port", "8500",
                                      "--fault", "no_nonce"])
    config = config_from_args(args)
    assert config.issuer == "http://127.0.0.1:8500" and config.faults == {"no_nonce"}
    assert config.tools[0].jwks_url == "http://127.0.0.1:9/jwks"
    assert main(["--bundle", str(bundle)]) == 2
    assert "--config FILE or --tool" in capsys.readouterr().err
    assert main(["--list-faults"]) == 0 and "sign_without_kid" in capsys.readouterr().out
    assert main(["--example-config"]) == 0 and json.loads(capsys.readouterr().out)["tools"]
    assert main(["--bundle", str(tmp_path / "none.zip"), "--tool", "http://127.0.0.1:9"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_every_fault_is_exercised_by_a_test() -> None:
    """Each documented fault must appear (quoted) in some e-portal test, so none is untested."""
    from renkei.mocks.eportal import FAULTS

    sources = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_eportal_*.py")
                      if p.name != Path(__file__).name)
    assert [f for f in FAULTS if f'"{f}"' not in sources] == []
