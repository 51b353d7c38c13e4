"""Serves the simulator over HTTP on loopback: ``/cgi-bin/…`` for the WeCom API and
``/__sim__/…`` for the operator console, the state and the stand-in WeCom client (demo and
tests only), and WeCom's sign-in pages.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from scrm.wecom.simulator import api_oauth

if TYPE_CHECKING:
    from scrm.wecom.simulator.core import Simulator


def _json(payload, status: int = 200) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


class SimulatorApp:
    """The WSGI application in front of one :class:`Simulator`."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/cgi-bin/"):
            status, payload = self.simulator.handle(
                request.method, path, dict(request.args), request.get_data()
            )
            if isinstance(payload, str):
                return Response(payload, status=status, content_type="text/plain")
            return _json(payload, status)
        if path in api_oauth.PAGES:
            return api_oauth.respond(self.simulator, request)
        if path == api_oauth.OPEN_IN_WECOM_PATH:
            return api_oauth.open_in_wecom(self.simulator, request)
        if path.startswith("/__sim__/"):
            return self._console(request, path[len("/__sim__/") :])
        return _json({"errcode": 404, "errmsg": f"unknown path {path}"})

    def _console(self, request: Request, path: str) -> Response:
        if path == "state" and request.method == "GET":
            return _json(self.simulator.counts())
        if path.startswith("operator/") and request.method == "POST":
            from scrm.wecom.simulator.operator import OperatorError

            action = path[len("operator/") :]
            try:
                kwargs = json.loads(request.get_data() or b"{}")
                if not isinstance(kwargs, dict):
                    raise ValueError("the body must be a JSON object of keyword arguments")
                result = self.simulator.operator.run(action, kwargs)
            except (OperatorError, ValueError, TypeError) as exc:
                return _json({"ok": False, "error": str(exc)}, 400)
            return _json({"ok": True, "result": result})
        return _json({"ok": False, "error": f"unknown console path /__sim__/{path}"}, 404)


class _QuietHandler(WSGIRequestHandler):
    # One access-log line per API call would drown test output; the call log is sim.calls.
    def log_request(self, code="-", size="-") -> None:
        pass


class SimulatorServer:
    """The simulator served by werkzeug in a daemon thread on ``host:port`` (0: any port)."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self._server = make_server(
            host, port, SimulatorApp(simulator), threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://{host}:{self._server.server_port}"
        self.api_base = self.url + "/cgi-bin/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="wecom-simulator",
            daemon=True,
        )

    def start(self) -> SimulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
