// The VS Code client: starts `jumpdsl lsp` (or the command set in jumpdsl.server.command) and
// talks to it over stdio. Everything else (hovers, diagnostics, …) is the server's.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("jumpdsl")
    .get("server.command", ["jumpdsl", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "jumpdsl",
    "jumpdsl",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "jnet" }, { scheme: "untitled", language: "jnet" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
