"""The EPC069-12 QR code of a payment: its payload, refusals, and the code decoded back."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from engine.documents.epc import epc_payload, epc_qr
from engine.documents.letter import Payment
from engine.errors import UserError

IBAN = "FR7630006000011234567890189"
PAYMENT = Payment(
    "Ma Société SAS", "FR76 3000 6000 0112 3456 7890 189", "AGRIFRPP", Decimal("1234.50"), "D000123"
)


def decode(payment: Payment) -> str:
    png = io.BytesIO()
    epc_qr(payment).save(png, kind="png", scale=4, border=4)
    image = Image.open(io.BytesIO(png.getvalue()))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return bytes(results[0].bytes).decode("utf-8")


def test_payload_fields_in_order():
    assert epc_payload(PAYMENT).split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "AGRIFRPP",
        "Ma Société SAS",
        IBAN,
        "EUR1234.50",
        "",
        "",
        "D000123",
    ]


def test_the_code_decodes_to_the_payment():
    lines = decode(PAYMENT).split("\n")
    assert lines[4:8] == ["AGRIFRPP", "Ma Société SAS", IBAN, "EUR1234.50"]
    assert lines[10] == "D000123"


def test_error_correction_is_m_and_not_boosted():
    code = epc_qr(PAYMENT)
    assert code.error == "M"
    assert not code.is_micro


def test_empty_bic_and_reference_are_allowed():
    payment = Payment("Ma Société SAS", IBAN, "", Decimal("0.01"), "")
    assert epc_payload(payment).split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Ma Société SAS",
        IBAN,
        "EUR0.01",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"beneficiary": ""}, "beneficiary"),
        ({"beneficiary": "x" * 71}, "beneficiary"),
        ({"beneficiary": "Ma\nSociété"}, "beneficiary"),
        ({"iban": "FR7630006000011234567890188"}, "IBAN"),
        ({"iban": ""}, "IBAN"),
        ({"bic": "AGRI"}, "BIC"),
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("1000000000.00")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"amount": Decimal("NaN")}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"reference": "r" * 141}, "reference"),
        ({"reference": "D1\x1b[2J"}, "reference"),
    ],
)
def test_refused_payments_name_the_field(change, field):
    values = {**PAYMENT.__dict__, **change}
    with pytest.raises(UserError, match=field):
        epc_payload(Payment(**values))


def test_too_many_bytes_is_refused():
    payment = Payment("€" * 70, IBAN, "AGRIFRPP", Decimal(1), "€" * 140)
    with pytest.raises(UserError, match="bytes"):
        epc_payload(payment)


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=70)
    .map(str.strip)
    .filter(bool),
    cents=st.integers(1, 99_999_999_999),
    reference=st.text(st.characters(categories=["L", "N"]), max_size=40),
)
def test_any_encodable_payment_decodes_back(name, cents, reference):
    amount = Decimal(cents) / 100
    payment = Payment(name, IBAN, "AGRIFRPP", amount, reference)
    try:
        payload = epc_payload(payment)
    except UserError:
        return  # too many bytes for a code: refused, which is what the standard wants
    assert decode(payment) == payload
    assert payload.split("\n")[7] == f"EUR{amount:.2f}"
