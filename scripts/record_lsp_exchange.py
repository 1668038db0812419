"""Record a real exchange with ``jumpdsl lsp``: the JSON-RPC messages of opening
specs/jumpnet.jnet, a hover on the JumpGroup call and a completion inside a call, as the
server sent them. docs/editor.md shows the output.

    python scripts/record_lsp_exchange.py > /tmp/exchange.md
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "jumpnet.jnet"


class Wire:
    """A bare JSON-RPC peer over the server's stdin and stdout, keeping every message."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jumpdsl", "lsp"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.next_id = 0
        self.log: list[tuple[str, dict[str, Any]]] = []

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        self.log.append(("→", message))

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while (line := self.proc.stdout.readline().strip()) != b"":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, Any] = json.loads(self.proc.stdout.read(length))
        message.pop("jsonrpc", None)
        self.log.append(("←", message))
        return message

    def request(self, method: str, params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id:
                return message

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})


def main() -> None:
    wire = Wire()
    uri = SPEC.as_uri()
    text = SPEC.read_text(encoding="utf-8")
    wire.request("initialize", {"processId": None, "rootUri": ROOT.as_uri(), "capabilities": {}})
    wire.notify("initialized", {})
    wire.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "jnet", "version": 1, "text": text}},
    )
    wire.receive()  # publishDiagnostics
    line = next(i for i, t in enumerate(text.split("\n")) if "JumpGroup(" in t and "for" in t)
    character = text.split("\n")[line].index("JumpGroup(") + 3
    shown = len(wire.log)
    wire.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )
    task = next(i for i, t in enumerate(text.split("\n")) if "dense(classes)" in t)
    inside = text.split("\n")[task].index("classes)")
    wire.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": task, "character": inside}},
    )
    wire.request("shutdown", None)
    wire.notify("exit", None)
    wire.proc.wait(timeout=10)
    for arrow, message in wire.log[shown - 2 : -3]:  # from didOpen, without the shutdown
        if message.get("method") == "textDocument/didOpen":
            message = {**message, "params": {"textDocument": {"uri": uri, "text": "…"}}}
        result = message.get("result")
        if isinstance(result, dict) and isinstance(result.get("items"), list):
            items = result["items"]
            message = {**message, "result": {**result, "items": [*items[:3], "…"]}}
        shown_text = json.dumps(message, indent=2, ensure_ascii=False)
        print(f"{arrow} {shown_text.replace(ROOT.as_uri(), 'file:///path/to/jumpdsl')}\n")


if __name__ == "__main__":
    main()
