from tests.diagnosis.fixtures import fresh_models, trained  # noqa: F401 — the fixtures, for every diagnosis test
