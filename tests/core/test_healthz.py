import contextlib

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(municipal_admin=True))
    return client


def test_healthz_reports_database_and_broker_to_the_municipal_admin(admin, settings):
    response = admin.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["broker"]["ok"] is True
    expected = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "redis"
    assert data["broker"]["detail"] == expected


def test_healthz_is_503_when_the_broker_is_down(admin, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = admin.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["broker"]["ok"] is False
    assert data["database"]["ok"] is True


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in {200, 503}


def test_an_anonymous_caller_learns_up_or_down_only(client, settings):
    """Issue 17: anonymous /healthz named the database, the broker and their exception classes."""
    assert client.get("/healthz").json() == {"status": "ok"}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    down = client.get("/healthz")
    assert (down.status_code, down.json()) == (503, {"status": "error"})


def test_other_roles_learn_up_or_down_only(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(officer=True))
    assert client.get("/healthz").json() == {"status": "ok"}


class _FakeRedis:
    """A stand-in broker on a loopback port that answers redis-py's handshake (HELLO 3: a map with
    the protocol; CLIENT SETINFO: +OK) and PING (+PONG), counting the connections it accepted;
    stop() closes them all, as a broker that goes away would."""

    def __init__(self, port: int = 0) -> None:
        import socket
        import threading

        self.accepted = 0
        self.conns: list[socket.socket] = []
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import threading

        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    @staticmethod
    def _answer(conn) -> None:
        buffer = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b"\r\n" in buffer:
                # One command per read is enough for redis-py's requests here: *N, then $len/arg pairs.
                lines = buffer.split(b"\r\n")
                count = int(lines[0][1:]) if lines[0].startswith(b"*") else 0
                if len(lines) < 1 + 2 * count + 1:
                    break
                command = lines[2].upper() if count else b""
                buffer = b"\r\n".join(lines[1 + 2 * count :])
                answers = {b"HELLO": b"%1\r\n+proto\r\n:3\r\n", b"CLIENT": b"+OK\r\n"}
                conn.sendall(answers.get(command, b"+PONG\r\n"))

    def stop(self) -> None:
        import socket

        self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way, which close() does not
        self.server.close()
        for conn in self.conns:
            with contextlib.suppress(OSError):  # a connection the client closed already
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


def test_healthz_keeps_its_broker_connection_and_sees_the_broker_go_and_come_back(admin, settings):
    """One connection kept between probes (a client built per probe cost more than the PING); a
    broker that goes away is reported down, and up again once it is back on the same address."""
    broker = _FakeRedis()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{broker.port}/0"
    for _ in range(3):
        assert admin.get("/healthz").status_code == 200
    assert broker.accepted == 1

    broker.stop()
    response = admin.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False

    back = _FakeRedis(broker.port)
    try:
        assert admin.get("/healthz").status_code == 200
        assert back.accepted == 1
    finally:
        back.stop()
