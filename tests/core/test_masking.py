import pytest

from apps.core.masking import mask_bank_account, mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("masker", "value", "masked"),
    [
        (mask_id_number, "500103199001011234", "5001**********1234"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_bank_account, "6222 0202 0011 2233 445", "6222***********3445"),
        (mask_phone, "1234", "****"),
        (mask_bank_account, "", ""),
    ],
)
def test_masking(masker, value, masked):
    assert masker(value) == masked
