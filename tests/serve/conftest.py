"""A real uvicorn server on 127.0.0.1 (a free port, in a thread), and the inputs the service tests send.

The servers run cheap stages (the backdrop keyer + unmix matter: no weights), so the default test
run stays fast; the pipelines, limits and queue are the real ones.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
pytest.importorskip("uvicorn", reason="the service needs the [serve] extra")
httpx = pytest.importorskip("httpx", reason="the service tests need httpx")

from studiocomp.serve import ServeSettings, create_app  # noqa: E402

CHEAP_STAGES = {"segmenter": "backdrop", "matter": "unmix"}


class LiveServer:
    """uvicorn serving ``create_app(settings)`` on a socket bound to 127.0.0.1:0, in a daemon thread."""

    def __init__(self, settings: ServeSettings) -> None:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_config=None, access_log=False, timeout_keep_alive=5))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def client(self, **kw: Any) -> Any:
        return httpx.Client(base_url=self.url, timeout=60, **kw)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def live(**settings: Any) -> LiveServer:
    """A server with the cheap stages and these settings."""
    stages = settings.pop("stages", CHEAP_STAGES)
    return LiveServer(ServeSettings(port=0, stages=stages, **settings))


@pytest.fixture(scope="session")
def backgrounds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of prepared backgrounds: one with a sidecar (``hall``), one without (``plain``)."""
    from studiocomp.image import save_image
    from studiocomp.prepared import BackgroundInfo, Light, write_info

    folder = tmp_path_factory.mktemp("backgrounds")
    y, x = np.mgrid[0:300, 0:400] / 400.0
    hall = np.stack([0.3 + 0.4 * x, 0.4 + 0.2 * y, 0.5 + 0.1 * x * y], axis=2).astype(np.float32)
    save_image(folder / "hall.jpg", hall)
    write_info(folder / "hall.jpg", BackgroundInfo(horizon=120, light=Light(30.0, 40.0, 0.004, "user"), camera_height=1.5, feet=(200.0, 280.0), subject_height=1.7))
    save_image(folder / "plain.png", np.full((200, 260, 3), 0.8, np.float32))
    return folder


@pytest.fixture(scope="session")
def server(backgrounds_dir: Path) -> Iterator[LiveServer]:
    """The shared server: 2 workers, 3 MB uploads, 1 MP images, a prepared-backgrounds folder."""
    srv = live(workers=2, queue_size=8, max_upload_bytes=3_000_000, max_pixels=1_000_000, backgrounds_dir=backgrounds_dir)
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def shot() -> tuple[np.ndarray, np.ndarray]:
    """A 320×240 synthetic studio photo and its exact alpha."""
    from studiocomp.synthetic import studio_shot

    return studio_shot((320, 240), seed=5)


@pytest.fixture(scope="session")
def shot_jpeg(shot: tuple[np.ndarray, np.ndarray]) -> bytes:
    from studiocomp.image import encode_image

    return encode_image(shot[0], format="jpg", quality=92)


@pytest.fixture()
def make_server() -> Iterator[Any]:
    """A factory of servers with the cheap stages and given settings, closed after the test."""
    made: list[LiveServer] = []

    def make(**settings: Any) -> LiveServer:
        made.append(live(**settings))
        return made[-1]

    yield make
    for srv in made:
        srv.close()
