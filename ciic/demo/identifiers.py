"""Valid identifiers for demo data and tests: credit codes (R-P1), resident ID numbers (R-P3), mobiles."""

from __future__ import annotations

import random

from stdnum.cn import ric, uscc


def make_credit_code(seq: int, *, region: str = "110105") -> str:
    """A valid unified social credit code (R-P1) for `region`, distinct for each `seq`."""
    body = "91" + region + f"{seq:09d}"[-9:]
    return body + uscc.calc_check_digit(body)


def make_id_number(seq: int, *, region: str = "110105", birth: str = "19900101") -> str:
    """A valid resident ID number (R-P3) with a checksum, distinct for each `seq`."""
    body = region + birth + f"{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_mobile(seq: int) -> str:
    return f"138{seq:08d}"[-11:]


def random_id_number(rng: random.Random, region: str = "110105") -> str:
    """A random valid ID number; falls back to 110105 where the region did not exist at birth
    (python-stdnum checks the division code against the birth date)."""
    for candidate in (region, "110105"):
        for _ in range(5):
            birth = f"{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            body = candidate + birth + f"{rng.randint(0, 999):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if ric.is_valid(number):
                return number
    raise ValueError(f"no valid ID number for region {region}")
