import socket

import pytest

# Integration tests here (a real broker and worker) are deselected without a broker, as in
# tests/integration, whichever directory pytest is given.
from tests.integration.conftest import pytest_collection_modifyitems  # noqa: F401


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_broker_at(app, monkeypatch, url: str) -> None:
    """Celery reads CELERY_BROKER_URL from the environment before its settings (`make test` sets
    it), and builds its pools for one URL: both follow."""
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    """The Celery app pointed at a Redis that is not there (a closed port), eager mode off: a send
    goes through kombu and redis-py for real and fails as it does with Redis stopped."""
    from config.celery import app

    conf = app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    url = f"redis://127.0.0.1:{closed_port()}/0"
    point_broker_at(app, monkeypatch, url)
    conf.task_always_eager = False
    yield url
    monkeypatch.undo()
    conf.broker_url, conf.task_always_eager = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_silent(broker_down, monkeypatch):
    """A broker that accepts connections and never answers (a hung Redis, a dropped route): the
    worst case, which the socket timeouts in CELERY_BROKER_TRANSPORT_OPTIONS bound."""
    import threading

    from config.celery import app

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    point_broker_at(app, monkeypatch, f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    yield app.conf.broker_url
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()
