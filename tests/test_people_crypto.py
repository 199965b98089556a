"""Field encryption (SM4-GCM), blind indexes (HMAC-SM3) and what reaches the database."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Flask
from sqlalchemy import select, text

from core import create_app
from core.crypto import (
    CryptoError,
    CryptoProvider,
    DecryptionFailed,
    FieldContext,
    SoftwareGmProvider,
    normalise_for_index,
)
from core.db import db
from core.people import api as people
from core.people.models import ID_NUMBER_PURPOSE, Person, Revealable
from core.sdk import tenant_context

from conftest import TenantFixture

MASTER = "m" * 16 + "a-test-master-key-of-enough-length"
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def provider() -> SoftwareGmProvider:
    return SoftwareGmProvider(MASTER)


def ctx(tenant_id: int = 1, table: str = "people", column: str = "id_number",
        row_id: int = 42) -> FieldContext:
    return FieldContext(tenant_id, table, column, row_id)


# --- the primitives ----------------------------------------------------------------------


def test_sm4_gcm_known_answer_rfc_8998() -> None:
    """The cipher underneath is SM4-GCM: RFC 8998 appendix A.1 test vector."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex("AA" * 8 + "BB" * 8 + "CC" * 8 + "DD" * 8 + "EE" * 8 + "FF" * 8
                              + "EE" * 8 + "AA" * 8)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    assert ciphertext.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D")
    assert encryptor.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


def test_software_provider_implements_the_interface(provider) -> None:
    assert isinstance(provider, CryptoProvider)


def test_short_master_key_is_refused() -> None:
    with pytest.raises(CryptoError):
        SoftwareGmProvider("too-short")


# --- encryption --------------------------------------------------------------------------


def test_round_trip(provider) -> None:
    token = provider.encrypt_field(ID_NUMBER, ctx())
    assert ID_NUMBER not in token
    assert provider.decrypt_field(token, ctx()) == ID_NUMBER
    assert provider.decrypt_field(provider.encrypt_field("张三 🙂", ctx()), ctx()) == "张三 🙂"


def test_format_is_versioned_base64(provider) -> None:
    raw = base64.b64decode(provider.encrypt_field(ID_NUMBER, ctx()))
    assert raw[:2] == b"v1"
    assert len(raw) == 2 + 12 + len(ID_NUMBER) + 16  # version, nonce, ciphertext, tag


def test_same_plaintext_gives_different_ciphertexts(provider) -> None:
    tokens = {provider.encrypt_field(ID_NUMBER, ctx()) for _ in range(5)}
    assert len(tokens) == 5
    assert {provider.decrypt_field(t, ctx()) for t in tokens} == {ID_NUMBER}


@pytest.mark.parametrize("other", [
    ctx(tenant_id=2),  # copied into another tenant
    ctx(column="phone"),  # into another column
    ctx(table="other_people"),  # into another table
    ctx(row_id=43),  # into another row
])
def test_ciphertext_bound_to_its_context(provider, other: FieldContext) -> None:
    token = provider.encrypt_field(ID_NUMBER, ctx())
    with pytest.raises(DecryptionFailed):
        provider.decrypt_field(token, other)


def test_another_master_key_cannot_decrypt(provider) -> None:
    token = provider.encrypt_field(ID_NUMBER, ctx())
    with pytest.raises(DecryptionFailed):
        SoftwareGmProvider(MASTER + "-rotated").decrypt_field(token, ctx())


def test_tampered_or_malformed_ciphertext_fails(provider) -> None:
    raw = bytearray(base64.b64decode(provider.encrypt_field(ID_NUMBER, ctx())))
    raw[20] ^= 0x01
    for token in (base64.b64encode(bytes(raw)).decode(), "not base64!",
                  base64.b64encode(b"v9" + bytes(40)).decode(),
                  base64.b64encode(b"v1" + bytes(10)).decode()):
        with pytest.raises(DecryptionFailed):
            provider.decrypt_field(token, ctx())


def test_tenants_get_different_data_keys(provider) -> None:
    assert provider.data_key(1) != provider.data_key(2)
    assert len(provider.data_key(1)) == 16
    assert provider.index_key(1) != provider.data_key(1)


# --- blind index -------------------------------------------------------------------------


def test_blind_index_equal_for_equal_normalised_input(provider) -> None:
    index = provider.blind_index(ID_NUMBER, tenant_id=1, purpose=ID_NUMBER_PURPOSE)
    assert provider.blind_index(" 110105 19491231 002x", tenant_id=1,
                                purpose=ID_NUMBER_PURPOSE) == index
    assert normalise_for_index(" 110105 19491231\t002x") == ID_NUMBER
    assert len(index) == 64 and ID_NUMBER not in index


def test_blind_index_differs_across_tenants_purposes_and_values(provider) -> None:
    index = provider.blind_index(ID_NUMBER, tenant_id=1, purpose=ID_NUMBER_PURPOSE)
    assert provider.blind_index(ID_NUMBER, tenant_id=2, purpose=ID_NUMBER_PURPOSE) != index
    assert provider.blind_index(ID_NUMBER, tenant_id=1, purpose="people.phone") != index
    assert provider.blind_index("11010519491231003X", tenant_id=1,
                                purpose=ID_NUMBER_PURPOSE) != index
    assert SoftwareGmProvider(MASTER + "x").blind_index(
        ID_NUMBER, tenant_id=1, purpose=ID_NUMBER_PURPOSE) != index


# --- the master key in the config --------------------------------------------------------


def test_master_key_is_generated_once_into_the_instance_folder(tmp_path: Path,
                                                               monkeypatch) -> None:
    monkeypatch.delenv("FATONG_MASTER_KEY", raising=False)
    monkeypatch.setenv("FATONG_INSTANCE_PATH", str(tmp_path / "instance"))
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}
    first = create_app(config)
    path = tmp_path / "instance" / "master_key"
    assert path.read_text() == first.config["MASTER_KEY"]
    assert len(first.config["MASTER_KEY"]) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert create_app(config).config["MASTER_KEY"] == first.config["MASTER_KEY"]


def test_master_key_from_the_environment_writes_no_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FATONG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FATONG_MASTER_KEY", MASTER)
    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert application.config["MASTER_KEY"] == MASTER
    assert not (tmp_path / "instance" / "master_key").exists()


# --- the people table --------------------------------------------------------------------


def raw_rows(app: Flask) -> list[dict]:
    """The table as the database holds it: no ORM, no decryption."""
    with app.app_context(), db.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text("SELECT * FROM people"))]


def test_raw_row_holds_no_plaintext_id_or_phone(app: Flask, tenant_a: TenantFixture,
                                                in_tenant) -> None:
    with in_tenant(tenant_a):
        person = people.create(name="张三", id_number=ID_NUMBER, phone="138-1234-5678",
                               address="四川省剑阁县下寺镇")
        db.session.commit()
        person_id = person.id
    rows = raw_rows(app)
    assert len(rows) == 1
    dump = repr(rows)
    for secret in (ID_NUMBER, ID_NUMBER.lower(), PHONE, "138-1234-5678", ID_NUMBER[6:14]):
        assert secret not in dump
    row = rows[0]
    assert row["id"] == person_id and row["name"] == "张三"
    assert base64.b64decode(row["id_number"])[:2] == b"v1"
    assert len(row["id_number_index"]) == 64 and len(row["phone_index"]) == 64
    # And the ORM gives it back, masked unless revealed.
    with in_tenant(tenant_a):
        person = people.get(person_id)
        assert isinstance(person.id_number, Revealable)
        assert str(person.id_number) == "110105********002X"
        assert person.id_number.reveal() == ID_NUMBER
        assert f"{person.phone}" == "138****5678" and person.phone.reveal() == PHONE


def test_ciphertext_copied_to_another_row_or_tenant_does_not_decrypt(
        app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        one = people.create(name="甲", id_number=ID_NUMBER)
        two = people.create(name="乙")
        db.session.commit()
        one_id, two_id = one.id, two.id
    with in_tenant(tenant_b):
        three = people.create(name="丙")
        db.session.commit()
        three_id = three.id
    with app.app_context(), db.engine.begin() as connection:
        stolen = connection.scalar(select(Person.__table__.c.id_number)
                                   .where(Person.__table__.c.id == one_id))
        for row_id in (two_id, three_id):
            connection.execute(Person.__table__.update().where(Person.__table__.c.id == row_id)
                               .values(id_number=stolen))
    with in_tenant(tenant_a):
        with pytest.raises(DecryptionFailed):
            _ = people.get(two_id).id_number
        assert people.get(one_id).id_number.reveal() == ID_NUMBER
    with in_tenant(tenant_b), pytest.raises(DecryptionFailed):
        _ = people.get(three_id).id_number


def test_same_number_in_two_tenants_has_different_indexes(
        app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture, in_tenant) -> None:
    for tenant in (tenant_a, tenant_b):
        with in_tenant(tenant):
            people.create(name="张三", id_number=ID_NUMBER)
            db.session.commit()
    rows = raw_rows(app)
    assert len(rows) == 2
    assert rows[0]["id_number_index"] != rows[1]["id_number_index"]
    with in_tenant(tenant_a):
        found = people.find_by_id_number("resident_id", ID_NUMBER.lower())
        assert found is not None and found.tenant_id == tenant_a.id


def test_person_outside_a_tenant_cannot_encrypt(app_ctx) -> None:
    from core.sdk import NoTenantContext

    with pytest.raises(NoTenantContext):
        Person(name="无租户", id_number=ID_NUMBER)


def test_tenant_context_is_the_row_tenant(app: Flask, tenant_a: TenantFixture) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        person = Person(name="张三", id_number=ID_NUMBER)
        assert person.tenant_id == tenant_a.id and person.id is not None
        db.session.rollback()
