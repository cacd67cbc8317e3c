"""The fuzz suite runs a seeded sample by default; ``TROUPE_FUZZ=all`` runs every case.

``TROUPE_FUZZ=N`` runs N cases of each test instead, ``TROUPE_FUZZ_SEED`` picks another sample
(the seed in use is printed in the report header, so a failure can be run again); see
:func:`tests.fuzz.harness.sample`.
"""

from __future__ import annotations

import os

import pytest

from tests.fuzz.harness import SEED


def pytest_report_header(config: pytest.Config) -> str:
    return f"fuzz: TROUPE_FUZZ={os.environ.get('TROUPE_FUZZ', 'sample')} TROUPE_FUZZ_SEED={SEED}"
