import socket

import pytest


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down():
    """The Celery app pointed at a Redis that is not there (a closed port), eager mode off: a send
    goes through kombu and redis-py for real and fails as it does with Redis stopped. The app's
    pools are built for one URL, so they are dropped on the way in and out."""
    from config.celery import app

    conf = app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    conf.task_always_eager = False
    reset_pools()
    yield conf.broker_url
    conf.broker_url, conf.task_always_eager = saved
    reset_pools()


@pytest.fixture
def broker_silent(broker_down):
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
    app.conf.broker_url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield app.conf.broker_url
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()
