"""Fixtures for the trust tests; registers the ``faults`` marker (``make test-faults``)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "faults: slow tests that break PostgreSQL or Redis on purpose (run by make test-faults)",
    )
